using System.Globalization;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Privacy;

namespace Kith.Core.Communications;

/// <summary>
/// Communications with the person (as their customer or as a participant), the participants, and the attachment files.
/// Erasing removes the communications that concern only them; one that also involves another customer is handed to
/// that customer and keeps its content, with the person removed as a participant.
/// </summary>
internal sealed class CommunicationPersonalData(DatabaseOptions database) : IPersonalDataPart
{
    private string Folder => Path.Combine(database.DataDirectory, "attachments");

    /// <summary>The communications (alias c) the person's export may show this reader: the private rule of <see cref="CommunicationAccess"/>.</summary>
    internal static string Readable(AccessScope scope, string alias)
    {
        var reach = scope.OwnerIds is { } owners ? $" AND {alias}.customer_id IN (SELECT id FROM customers WHERE owner_id IN ({List(owners)}))" : "";
        if (CommunicationAccess.PrivateReach(scope) is not { } users) return "1 = 1" + reach;
        return $"({alias}.visibility = '{CommunicationVisibility.Customer}' OR EXISTS (SELECT 1 FROM communication_participants rp " +
               $"WHERE rp.communication_id = {alias}.id AND rp.user_id IN ({List(users)})))" + reach;
    }

    private static string List(IEnumerable<long> ids) => ids.Any() ? string.Join(",", ids.Select(i => i.ToString(CultureInfo.InvariantCulture))) : "NULL";

    private static string About(PersonalDataSubject s, string alias) =>
        $"({alias}.customer_id IN ({s.IdList}) OR {alias}.id IN (SELECT communication_id FROM communication_participants WHERE customer_id IN ({s.IdList})))";

    public async Task ExportAsync(PersonalDataExport export, CancellationToken ct)
    {
        var s = export.Subject;
        var readable = $"SELECT c.id FROM communications c WHERE {About(s, "c")} AND {Readable(export.Scope, "c")}";
        await export.AddRowsAsync("communications", $"SELECT c.* FROM communications c WHERE c.id IN ({readable}) ORDER BY c.occurred_at, c.id", ct);
        await export.AddRowsAsync("participants", $"SELECT * FROM communication_participants WHERE communication_id IN ({readable}) ORDER BY communication_id, id", ct);
        var attachments = export.Section("attachments");
        await export.AddRowsAsync("attachments", $"SELECT id, communication_id, file_name, stored_name, size, created_at FROM communication_attachments WHERE communication_id IN ({readable}) ORDER BY id", ct);
        foreach (var a in attachments)
        {
            var stored = Convert.ToString(a["stored_name"], CultureInfo.InvariantCulture) ?? "";
            a.Remove("stored_name");
            var name = $"attachments/{a["communication_id"]}-{a["id"]}-{Safe(Convert.ToString(a["file_name"], CultureInfo.InvariantCulture) ?? "file")}";
            a["file"] = name;
            export.Files.Add((name, Path.Combine(Folder, stored)));
        }
    }

    private static string Safe(string name) => new(name.Select(ch => char.IsLetterOrDigit(ch) || ch is '.' or '-' or '_' ? ch : '_').ToArray());

    public async Task EraseAsync(PersonalDataErasure erasure, CancellationToken ct)
    {
        var ids = erasure.Subject.IdList;
        var shared = $"EXISTS (SELECT 1 FROM communication_participants p WHERE p.communication_id = communications.id AND p.customer_id IS NOT NULL AND p.customer_id NOT IN ({ids}))";
        await erasure.ExecAsync("communications_handed_over", "communications",
            $"UPDATE communications SET customer_id = (SELECT MIN(p.customer_id) FROM communication_participants p WHERE p.communication_id = communications.id " +
            $"AND p.customer_id IS NOT NULL AND p.customer_id NOT IN ({ids})) WHERE customer_id IN ({ids}) AND {shared}", ct);
        await erasure.ExecAsync("participants", "communication_participants", $"DELETE FROM communication_participants WHERE customer_id IN ({ids})", ct);
        var gone = $"SELECT id FROM communications WHERE customer_id IN ({ids})";
        await Importing.Sql.ReadAsync(erasure.Db, $"SELECT stored_name FROM communication_attachments WHERE communication_id IN ({gone})", r =>
        {
            var stored = r.GetString(0);
            if (stored.Length == 32 && stored.All(char.IsAsciiHexDigitLower)) erasure.FilesToDelete.Add(Path.Combine(Folder, stored));
        }, ct);
        await erasure.ExecAsync("attachments", "communication_attachments", $"DELETE FROM communication_attachments WHERE communication_id IN ({gone})", ct);
        await erasure.ExecAsync("communications", "communications", $"DELETE FROM communications WHERE customer_id IN ({ids})", ct);
    }
}
