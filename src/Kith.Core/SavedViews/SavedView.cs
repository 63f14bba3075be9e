namespace Kith.Core.SavedViews;

/// <summary>A user's named list: search, filter, sort and columns, for customers or companies.</summary>
public sealed class SavedView
{
    public long Id { get; set; }
    public long UserId { get; set; }
    /// <summary>"customer" or "company".</summary>
    public string Entity { get; set; } = "";
    public string Name { get; set; } = "";
    public string? Query { get; set; }
    public string? Filter { get; set; }
    public string? Sort { get; set; }
    /// <summary>Comma-separated column names in display order.</summary>
    public string? Columns { get; set; }
    public DateTime CreatedAt { get; set; }
}
