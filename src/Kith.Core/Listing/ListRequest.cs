namespace Kith.Core.Listing;

/// <summary>
/// One page of a list: <paramref name="Q"/> searches as you type (substrings of name, email, phone digits and
/// company), <paramref name="Filter"/> is the filter language of <see cref="FilterParser"/>, <paramref name="Sort"/>
/// is one field with an optional leading '-' for descending, and <paramref name="Cursor"/> is the
/// <see cref="ListPage{T}.NextCursor"/> of the previous page (null for the first page).
/// </summary>
public sealed record ListRequest(string? Q, string? Filter, string? Sort, int Limit = 50, string? Cursor = null)
{
    public const int MaxLimit = 1000;
    public const int DefaultLimit = 50;
}

/// <summary>
/// A page of a list. <see cref="Total"/> is exact unless <see cref="TotalIsEstimate"/> is true: counting stops at
/// <see cref="ListEngine.CountCap"/> matches and above it the total is extrapolated from a sample (see docs/api.md).
/// <see cref="NextCursor"/> is null on the last page.
/// </summary>
public sealed record ListPage<T>(IReadOnlyList<T> Items, string? NextCursor, long Total, bool TotalIsEstimate);
