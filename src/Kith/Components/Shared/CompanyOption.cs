namespace Kith.Components.Shared;

/// <summary>A company as a picker shows it.</summary>
public sealed record CompanyOption(long Id, string Name)
{
    public override string ToString() => Name;
}

/// <summary>A user who can own records, as an owner picker shows them.</summary>
public sealed record OwnerOption(long Id, string Name);
