using System.Globalization;
using Kith.Core.Infrastructure;
using Kith.Core.Mail;
using Kith.Customers;
using Kith.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kith.Mail;

/// <summary>
/// /api/v1/mailboxes, /api/v1/mail-templates, /api/v1/customers/{id}/emails and /api/v1/emails: connect and watch
/// mailboxes (owner or administrator), templates, and the emails on a customer's timeline. No answer ever holds a
/// mailbox password.
/// </summary>
internal static class MailApi
{
    public static RouteGroupBuilder MapMail(this RouteGroupBuilder api)
    {
        var boxes = api.MapGroup("/mailboxes").WithTags("Mail");
        boxes.MapGet("/", ListAsync).WithName("ListMailboxes").WithSummary("Your mailboxes (all of them for administrators) with their status and last sync.");
        boxes.MapPost("/", ConnectAsync).WithName("ConnectMailbox").Accepts<MailboxInput>("application/json")
            .WithSummary("Connects a mailbox: IMAP and SMTP settings and the password, which is stored encrypted and never returned. ownerId (administrators) connects it for another user.");
        boxes.MapGet("/{id:long}", GetAsync).WithName("GetMailbox").WithSummary("One mailbox, its status and its last ledger line.");
        boxes.MapPut("/{id:long}", UpdateAsync).WithName("UpdateMailbox").Accepts<MailboxInput>("application/json")
            .WithSummary("Changes a mailbox's settings; leave password empty to keep the stored one.");
        boxes.MapDelete("/{id:long}", DeleteAsync).WithName("DisconnectMailbox").WithSummary("Removes a mailbox and its ledger; synced mail stays on the timelines.");
        boxes.MapPost("/{id:long}/test", TestAsync).WithName("TestMailbox").WithSummary("Signs in to the IMAP and the SMTP server and says what each answered.");
        boxes.MapPost("/{id:long}/sync", SyncAsync).WithName("SyncMailbox")
            .WithSummary("Asks for a sync now; answers 202 and the mailbox. fromStart=true reads all mail again (for customers added since); nothing is doubled.");
        boxes.MapGet("/{id:long}/runs", RunsAsync).WithName("ListMailboxRuns").WithSummary("The sync ledger, newest first: seen, imported, already stored, skipped by reason, dropped, errors.");

        var templates = api.MapGroup("/mail-templates").WithTags("Mail");
        templates.MapGet("/", TemplatesAsync).WithName("ListMailTemplates").WithSummary("Email templates; language=en or zh-Hans filters.");
        templates.MapPost("/", CreateTemplateAsync).WithName("CreateMailTemplate").Accepts<MailTemplateInput>("application/json")
            .WithSummary("Creates a template (administrators and managers). Merge fields: {{name}}, {{first_name}}, {{company}}, {{email}}, {{phone}}, {{city}}, {{sender_name}}, {{sender_email}}.");
        templates.MapPut("/{id:long}", UpdateTemplateAsync).WithName("UpdateMailTemplate").Accepts<MailTemplateInput>("application/json").WithSummary("Changes a template.");
        templates.MapDelete("/{id:long}", DeleteTemplateAsync).WithName("DeleteMailTemplate").WithSummary("Deletes a template.");

        api.MapGet("/customers/{id:long}/emails", EmailsAsync).WithTags("Mail").WithName("ListCustomerEmails")
            .WithSummary("The customer's emails you may read (participants and their managers by default), newest first.");
        api.MapPost("/customers/{id:long}/emails", SendAsync).WithTags("Mail").WithName("SendEmail").Accepts<SendEmailInput>("application/json")
            .WithSummary("Sends an email to the customer through your mailbox and records it on their timeline. replyTo keeps a thread.");
        api.MapPost("/customers/{id:long}/emails/preview", PreviewAsync).WithTags("Mail").WithName("PreviewEmail").Accepts<SendEmailInput>("application/json")
            .WithSummary("The email as it would leave, merge fields filled; nothing is sent.");
        api.MapGet("/emails/{id:long}", EmailAsync).WithTags("Mail").WithName("GetEmail")
            .WithSummary("One email by its timeline entry (communication) id, with its sanitised HTML body.");
        return api;
    }

    private static async Task<Ok<List<MailboxView>>> ListAsync(Caller caller, MailQueries queries, CancellationToken ct) =>
        TypedResults.Ok(await queries.MailboxesAsync(await caller.ScopeAsync(ct), ct));

    private static async Task<Created<MailboxView>> ConnectAsync(string? ownerId, HttpRequest request, Caller caller, ConnectMailbox connect, CancellationToken ct)
    {
        var input = await RecordApi.ReadBodyAsync<MailboxInput>(request, ct);
        var view = await connect.HandleAsync(input, await caller.ScopeAsync(ct), ParseId(ownerId, "ownerId"), ct);
        return TypedResults.Created($"/api/v1/mailboxes/{view.Id.ToString(CultureInfo.InvariantCulture)}", view);
    }

    private static async Task<Ok<MailboxView>> GetAsync(long id, Caller caller, MailQueries queries, CancellationToken ct) =>
        TypedResults.Ok(await queries.MailboxAsync(await caller.ScopeAsync(ct), id, ct));

    private static async Task<Ok<MailboxView>> UpdateAsync(long id, HttpRequest request, Caller caller, UpdateMailbox update, CancellationToken ct)
    {
        var input = await RecordApi.ReadBodyAsync<MailboxInput>(request, ct);
        return TypedResults.Ok(await update.HandleAsync(id, input, await caller.ScopeAsync(ct), ct));
    }

    private static async Task<NoContent> DeleteAsync(long id, Caller caller, DisconnectMailbox disconnect, CancellationToken ct)
    {
        await disconnect.HandleAsync(id, await caller.ScopeAsync(ct), ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<MailboxTestResult>> TestAsync(long id, Caller caller, TestMailbox test, CancellationToken ct) =>
        TypedResults.Ok(await test.HandleAsync(id, await caller.ScopeAsync(ct), ct));

    private static async Task<Accepted<MailboxView>> SyncAsync(long id, string? fromStart, Caller caller, MailSyncQueue queue, MailSyncSignal signal, CancellationToken ct)
    {
        var again = fromStart switch
        {
            null or "" or "false" => false,
            "true" => true,
            _ => throw RuleViolation.Field("fromStart", "fromStart must be true or false."),
        };
        var view = await queue.RequestAsync(id, await caller.ScopeAsync(ct), ct, again);
        signal.Poke();
        return TypedResults.Accepted($"/api/v1/mailboxes/{id.ToString(CultureInfo.InvariantCulture)}", view);
    }

    private static async Task<Ok<List<MailSyncRunView>>> RunsAsync(long id, string? limit, Caller caller, MailQueries queries, CancellationToken ct) =>
        TypedResults.Ok(await queries.RunsAsync(await caller.ScopeAsync(ct), id, ParseLimit(limit, 50), ct));

    private static async Task<Ok<List<MailTemplateView>>> TemplatesAsync(string? language, MailTemplates templates, CancellationToken ct) =>
        TypedResults.Ok(await templates.ListAsync(language, ct));

    private static async Task<Created<MailTemplateView>> CreateTemplateAsync(HttpRequest request, Caller caller, MailTemplates templates, CancellationToken ct)
    {
        var input = await RecordApi.ReadBodyAsync<MailTemplateInput>(request, ct);
        var view = await templates.SaveAsync(null, input, await caller.ScopeAsync(ct), ct);
        return TypedResults.Created($"/api/v1/mail-templates/{view.Id.ToString(CultureInfo.InvariantCulture)}", view);
    }

    private static async Task<Ok<MailTemplateView>> UpdateTemplateAsync(long id, HttpRequest request, Caller caller, MailTemplates templates, CancellationToken ct)
    {
        var input = await RecordApi.ReadBodyAsync<MailTemplateInput>(request, ct);
        return TypedResults.Ok(await templates.SaveAsync(id, input, await caller.ScopeAsync(ct), ct));
    }

    private static async Task<NoContent> DeleteTemplateAsync(long id, Caller caller, MailTemplates templates, CancellationToken ct)
    {
        await templates.DeleteAsync(id, await caller.ScopeAsync(ct), ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<List<EmailItem>>> EmailsAsync(long id, string? limit, Caller caller, MailQueries queries, CancellationToken ct) =>
        TypedResults.Ok(await queries.ForCustomerAsync(await caller.ScopeAsync(ct), id, ParseLimit(limit, 50), ct));

    private static async Task<Created<EmailItem>> SendAsync(long id, HttpRequest request, Caller caller, SendEmail send, CancellationToken ct)
    {
        var input = await RecordApi.ReadBodyAsync<SendEmailInput>(request, ct);
        var item = await send.HandleAsync(id, input, await caller.ScopeAsync(ct), ActorKind.Api, ct);
        return TypedResults.Created($"/api/v1/emails/{item.CommunicationId.ToString(CultureInfo.InvariantCulture)}", item);
    }

    private static async Task<Ok<EmailDraft>> PreviewAsync(long id, HttpRequest request, Caller caller, SendEmail send, CancellationToken ct)
    {
        var input = await RecordApi.ReadBodyAsync<SendEmailInput>(request, ct);
        return TypedResults.Ok(await send.PreviewAsync(id, input, await caller.ScopeAsync(ct), ct));
    }

    private static async Task<Ok<EmailItem>> EmailAsync(long id, Caller caller, MailQueries queries, CancellationToken ct) =>
        TypedResults.Ok(await queries.EmailAsync(await caller.ScopeAsync(ct), id, ct));

    private static int ParseLimit(string? text, int fallback)
    {
        if (string.IsNullOrEmpty(text)) return fallback;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n is < 1 or > 500)
            throw RuleViolation.Field("limit", "limit must be a whole number from 1 to 500.");
        return n;
    }

    private static long? ParseId(string? text, string name)
    {
        if (string.IsNullOrEmpty(text)) return null;
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            throw RuleViolation.Field(name, $"{name} must be a user id (a whole number).");
        return id;
    }
}
