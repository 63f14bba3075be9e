using System.ComponentModel.DataAnnotations;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Mail;

public sealed class MailTemplateInput
{
    [Required, MaxLength(200)] public string Name { get; set; } = "";
    public string Language { get; set; } = "en";
    [Required, MaxLength(500)] public string Subject { get; set; } = "";
    [Required, MaxLength(100_000)] public string Body { get; set; } = "";
}

public sealed record MailTemplateView(long Id, string Name, string Language, string Subject, string Body, DateTime CreatedAt);

/// <summary>The workspace's email templates: everyone uses them, administrators and managers write them.</summary>
public sealed class MailTemplates(KithDb db, TimeProvider clock)
{
    public static readonly IReadOnlyList<string> Languages = ["en", "zh-Hans"];

    public async Task<List<MailTemplateView>> ListAsync(string? language, CancellationToken ct)
    {
        var q = db.MailTemplates.AsNoTracking();
        if (!string.IsNullOrEmpty(language))
        {
            if (!Languages.Contains(language)) throw RuleViolation.Field("language", "language must be en or zh-Hans.");
            q = q.Where(t => t.Language == language);
        }
        return await q.OrderBy(t => t.Name).Select(t => new MailTemplateView(t.Id, t.Name, t.Language, t.Subject, t.Body, t.CreatedAt)).ToListAsync(ct);
    }

    public async Task<MailTemplateView> GetAsync(long id, CancellationToken ct) =>
        await db.MailTemplates.AsNoTracking().Where(t => t.Id == id)
            .Select(t => new MailTemplateView(t.Id, t.Name, t.Language, t.Subject, t.Body, t.CreatedAt)).FirstOrDefaultAsync(ct)
        ?? throw new NotFound("Template");

    public async Task<MailTemplateView> SaveAsync(long? id, MailTemplateInput input, AccessScope scope, CancellationToken ct)
    {
        EnsureWriter(scope);
        var errors = new Dictionary<string, string[]>();
        var name = (input.Name ?? "").Trim();
        if (name.Length is 0 or > 200) errors["name"] = ["Give the template a name of 1 to 200 characters."];
        if (!Languages.Contains(input.Language)) errors["language"] = ["language must be en or zh-Hans."];
        var subject = input.Subject ?? "";
        if (subject.Trim().Length is 0 or > 500) errors["subject"] = ["subject must be 1 to 500 characters."];
        else if (subject.Contains('\r') || subject.Contains('\n')) errors["subject"] = ["subject must be one line: it becomes a mail header."];
        var body = input.Body ?? "";
        if (body.Trim().Length == 0 || body.Length > 100_000) errors["body"] = ["body must be 1 to 100,000 characters."];
        // Unknown fields are refused when the template is saved, not only when it is used.
        var sample = MergeFields.Known.ToDictionary(k => k, string? (_) => "");
        if (!errors.ContainsKey("subject")) Check(() => MergeFields.Render(subject, sample, "subject"), errors);
        if (!errors.ContainsKey("body")) Check(() => MergeFields.Render(body, sample, "body"), errors);
        if (errors.Count == 0 && await db.MailTemplates.AnyAsync(t => t.Name == name && t.Id != id, ct))
            errors["name"] = ["A template with this name exists already."];
        if (errors.Count > 0) throw new RuleViolation("The template is not valid.", errors);

        var template = id is { } existing
            ? await db.MailTemplates.FirstOrDefaultAsync(t => t.Id == existing, ct) ?? throw new NotFound("Template")
            : db.MailTemplates.Add(new MailTemplate { CreatedAt = clock.GetUtcNow().UtcDateTime, CreatedByUserId = scope.UserId }).Entity;
        template.Name = name;
        template.Language = input.Language;
        template.Subject = subject.Trim();
        template.Body = body;
        await db.SaveChangesAsync(ct);
        return await GetAsync(template.Id, ct);
    }

    public async Task DeleteAsync(long id, AccessScope scope, CancellationToken ct)
    {
        EnsureWriter(scope);
        if (await db.MailTemplates.Where(t => t.Id == id).ExecuteDeleteAsync(ct) == 0) throw new NotFound("Template");
    }

    private static void EnsureWriter(AccessScope scope)
    {
        if (scope.Role is not (Role.Admin or Role.Manager)) throw new Forbidden("Only administrators and managers may change email templates.");
    }

    private static void Check(Action render, Dictionary<string, string[]> errors)
    {
        try
        {
            render();
        }
        catch (RuleViolation v)
        {
            foreach (var (k, m) in v.Errors) errors[k] = m;
        }
    }
}
