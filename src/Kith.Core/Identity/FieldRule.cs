using Kith.Core.CustomFields;

namespace Kith.Core.Identity;

/// <summary>Hidden: absent everywhere for the role. ReadOnly: shown, never written by the role.</summary>
public enum FieldRestriction { Hidden, ReadOnly }

/// <summary>
/// One field an admin restricts for one role: a built-in field (phone, birthDate, …, see
/// <see cref="FieldAccess.Restrictable"/>) or a custom field as <c>cf.&lt;key&gt;</c>. A field without a rule is open.
/// </summary>
public sealed class FieldRule
{
    public Role Role { get; set; }
    public CustomFieldEntity Entity { get; set; }
    public string Field { get; set; } = "";
    public FieldRestriction Restriction { get; set; }
}
