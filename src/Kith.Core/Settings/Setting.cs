namespace Kith.Core.Settings;

/// <summary>A workspace-wide setting an admin can change, such as the default phone region.</summary>
public sealed class Setting
{
    public string Key { get; set; } = "";
    public string Value { get; set; } = "";
}
