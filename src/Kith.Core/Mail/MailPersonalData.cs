using Kith.Core.Communications;
using Kith.Core.Privacy;

namespace Kith.Core.Mail;

/// <summary>
/// Email messages linked to the person. Erasing removes a message that concerns only them (its timeline entries go
/// with the communications); a message that also concerns another customer stays for them, without the person's link.
/// Runs before the communications part: the links say which messages were theirs.
/// </summary>
internal sealed class MailPersonalData : IPersonalDataPart
{
    public async Task ExportAsync(PersonalDataExport export, CancellationToken ct)
    {
        var s = export.Subject;
        var readable = $"SELECT l.email_message_id FROM email_links l JOIN communications c ON c.id = l.communication_id " +
                       $"WHERE l.customer_id IN ({s.IdList}) AND {CommunicationPersonalData.Readable(export.Scope, "c")}";
        await export.AddRowsAsync("email_messages", $"SELECT * FROM email_messages WHERE id IN ({readable}) ORDER BY sent_at, id", ct);
        await export.AddRowsAsync("email_links", $"SELECT * FROM email_links WHERE customer_id IN ({s.IdList}) AND email_message_id IN ({readable})", ct);
        if (export.IsHidden("email")) WithoutAddresses(export.Section("email_messages"), s.Emails);
    }

    /// <summary>
    /// The messages as a reader whose role hides the email may see them: the person's own addresses are blanked in the
    /// sender and recipient fields, as the customer's emails show them to that reader; other people's stay.
    /// </summary>
    private static void WithoutAddresses(List<Dictionary<string, object?>> messages, IReadOnlyList<string> addresses)
    {
        var own = addresses.Where(a => a.Length > 0).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (own.Count == 0) return;
        foreach (var m in messages)
            foreach (var column in new[] { "from_address", "to_addresses", "cc_addresses" })
                if (m.GetValueOrDefault(column) is string list) m[column] = MailQueries.WithoutAddresses(list, own);
    }

    public async Task EraseAsync(PersonalDataErasure erasure, CancellationToken ct)
    {
        var ids = erasure.Subject.IdList;
        await erasure.ExecAsync("email_messages", "email_messages",
            $"DELETE FROM email_messages WHERE id IN (SELECT email_message_id FROM email_links WHERE customer_id IN ({ids})) " +
            $"AND NOT EXISTS (SELECT 1 FROM email_links o WHERE o.email_message_id = email_messages.id AND o.customer_id NOT IN ({ids}))", ct);
        await erasure.ExecAsync("email_links", "email_links", $"DELETE FROM email_links WHERE customer_id IN ({ids})", ct);
    }
}
