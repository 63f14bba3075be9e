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
