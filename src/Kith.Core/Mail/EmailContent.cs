using System.Security.Cryptography;
using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Kith.Core.Communications;
using MimeKit;

namespace Kith.Core.Mail;

/// <summary>Turns a MIME message into what Kith stores: a plain-text content, a sanitised HTML body and the thread headers.</summary>
internal static class EmailContent
{
    public const int MaxText = 100_000;
    public const int MaxHtml = 2_000_000;
    private static readonly HashSet<string> s_blocks = new(StringComparer.OrdinalIgnoreCase)
        { "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul", "ol", "hr" };

    public static string? Text(MimeMessage message)
    {
        var text = message.TextBody;
        if (string.IsNullOrWhiteSpace(text) && message.HtmlBody is { } html) text = HtmlToText(html);
        return Clip(text?.Trim(), MaxText);
    }

    public static string? Html(MimeMessage message) =>
        message.HtmlBody is { Length: > 0 } html ? Clip(RichText.Sanitize(html), MaxHtml) : null;

    /// <summary>Readable text from HTML: block elements become line breaks, scripts and styles vanish.</summary>
    public static string HtmlToText(string html)
    {
        var doc = new HtmlParser().ParseDocument(html);
        var sb = new StringBuilder();
        Walk(doc.Body ?? (INode)doc.DocumentElement, sb);
        var lines = sb.ToString().Split('\n').Select(l => string.Join(' ', l.Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries)));
        return string.Join('\n', lines).Trim();
    }

    private static void Walk(INode node, StringBuilder sb)
    {
        foreach (var child in node.ChildNodes)
        {
            if (child is IText t) sb.Append(t.Data.Replace('\n', ' '));
            else if (child is IElement e)
            {
                if (e.LocalName is "script" or "style" or "head" or "title") continue;
                var block = s_blocks.Contains(e.LocalName);
                if (block) sb.Append('\n');
                Walk(e, sb);
                if (e.LocalName == "a" && e.GetAttribute("href") is { } href && href.StartsWith("http", StringComparison.OrdinalIgnoreCase)
                    && e.TextContent.Trim() != href)
                    sb.Append(" (").Append(href).Append(')');
                if (block) sb.Append('\n');
            }
        }
    }

    /// <summary>The Message-ID without brackets; a message without one gets a stable id from its envelope, so resyncs still find it.</summary>
    public static string MessageId(string? header, DateTimeOffset? date, string from, string to, string? subject)
    {
        var id = Clean(header);
        if (id is { Length: > 0 }) return Clip(id, 998)!;
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{date:O}\n{from}\n{to}\n{subject}"));
        return $"{Convert.ToHexStringLower(hash)[..32]}@kith.no-message-id";
    }

    public static string? Clean(string? id) => id?.Trim().Trim('<', '>').Trim() is { Length: > 0 } s ? s : null;

    /// <summary>Every message of one conversation shares the first id of References (the root), else the parent, else its own id.</summary>
    public static string ThreadKey(IEnumerable<string> references, string? inReplyTo, string messageId) =>
        Clip(references.Select(Clean).FirstOrDefault(r => r is not null) ?? Clean(inReplyTo) ?? messageId, 998)!;

    public static string? Clip(string? text, int max) => text is null || text.Length <= max ? text : text[..max];
}
