namespace Kith.Core.Mail;

/// <summary>A reusable email with merge fields such as <c>{{name}}</c>, shared by the workspace.</summary>
public sealed class MailTemplate
{
    public long Id { get; set; }
    public string Name { get; set; } = "";
    /// <summary>"en" or "zh-Hans": the compose dialog offers the templates of the user's language first.</summary>
    public string Language { get; set; } = "en";
    public string Subject { get; set; } = "";
    public string Body { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public long? CreatedByUserId { get; set; }
}
