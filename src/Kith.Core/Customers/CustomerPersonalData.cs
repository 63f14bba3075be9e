using Kith.Core.Privacy;

namespace Kith.Core.Customers;

/// <summary>The person's customer records (fields and custom fields, and merged older records) and their tags.</summary>
internal sealed class CustomerPersonalData : IPersonalDataPart
{
    public async Task ExportAsync(PersonalDataExport export, CancellationToken ct)
    {
        var ids = export.Subject.IdList;
        await export.AddRowsAsync("customer", $"SELECT * FROM customers WHERE id IN ({ids}) ORDER BY id", ct);
        SensitiveFields.SealedRows.OpenCustomers(export.Db, export.Section("customer"));
        export.HideCustomerColumns(export.Section("customer"));
        await export.AddRowsAsync("tags", $"SELECT ct.customer_id, t.name FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id WHERE ct.customer_id IN ({ids}) ORDER BY t.name", ct);
    }

    // The customer rows themselves go last, in ErasePerson, once every part has removed what refers to them.
    public Task EraseAsync(PersonalDataErasure erasure, CancellationToken ct) =>
        erasure.ExecAsync("tags", "customer_tags", $"DELETE FROM customer_tags WHERE customer_id IN ({erasure.Subject.IdList})", ct);
}
