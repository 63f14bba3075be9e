using Kith.Core.Infrastructure;

namespace Kith.Core.SensitiveFields;

/// <summary>
/// Opens sealed values in raw rows (column name to value) read for a person's data export, which is theirs to read
/// in plain; lookups are Kith's own index and are left out, as the search columns are.
/// </summary>
public static class SealedRows
{
    public static void OpenCustomers(KithDb db, List<Dictionary<string, object?>> rows)
    {
        foreach (var row in rows)
        {
            var id = Convert.ToInt64(row["id"], System.Globalization.CultureInfo.InvariantCulture);
            row["phone"] = db.OpenSealed(row["phone"] as string, SealableFields.Phone, id);
            row["address"] = db.OpenSealed(row["address"] as string, SealableFields.Address, id);
            if (row["birth_date_sealed"] is string birth)
                row["birth_date"] = db.OpenSealedBirthDate(null, birth, id)?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            if (row["custom_fields"] is string json) row["custom_fields"] = db.OpenSealedCustomFields(json, id);
            foreach (var column in new[] { "birth_date_sealed", "phone_lookup", "address_lookup", "birth_date_lookup", "custom_field_lookups" })
                row.Remove(column);
        }
    }

    public static void OpenHistory(KithDb db, List<Dictionary<string, object?>> rows)
    {
        foreach (var row in rows)
        {
            if (SealableFields.FromHistory(row["field"] as string) is not { } field) continue;
            var id = Convert.ToInt64(row["entity_id"], System.Globalization.CultureInfo.InvariantCulture);
            row["old_value"] = db.OpenSealed(row["old_value"] as string, field, id);
            row["new_value"] = db.OpenSealed(row["new_value"] as string, field, id);
        }
    }
}
