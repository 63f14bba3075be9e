using Kith.Core.Infrastructure;

namespace Kith.Core.SensitiveFields;

/// <summary>
/// Opens customer values that a query read as columns rather than as entities (lists, exports, imports,
/// duplicates). A plain value costs nothing; a sealed one needs the key ring.
/// </summary>
public static class SealedReads
{
    public static string? OpenSealed(this KithDb db, string? value, string field, long customerId) =>
        FieldCipher.IsSealed(value) ? Sealing(db).Open(value, field, customerId) : value;

    public static string OpenSealedCustomFields(this KithDb db, string json, long customerId) =>
        json.Contains(FieldCipher.Prefix, StringComparison.Ordinal) ? Sealing(db).OpenCustomFields(json, customerId) : json;

    public static DateOnly? OpenSealedBirthDate(this KithDb db, DateOnly? column, string? sealedValue, long customerId) =>
        sealedValue is null ? column : Sealing(db).OpenBirthDate(column, sealedValue, customerId);

    private static CustomerSealing Sealing(KithDb db) =>
        CustomerSealing.Of(db) ?? throw new SealedValueUnreadable("This database context was opened without the field key file, so sealed values cannot be read.");
}
