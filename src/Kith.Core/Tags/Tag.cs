namespace Kith.Core.Tags;

/// <summary>A label shared by customers and companies. Names are unique ignoring case.</summary>
public sealed class Tag
{
    public long Id { get; set; }
    public string Name { get; set; } = "";
    /// <summary>Lower-cased name; the unique key.</summary>
    public string NormalizedName { get; set; } = "";
}
