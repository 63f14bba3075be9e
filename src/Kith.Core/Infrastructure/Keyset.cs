using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Infrastructure;

/// <summary>
/// A place in a list read newest first: the time, then a rank that orders the sources of a merged list (the
/// timeline) at the same instant, then the row's id. Opaque to clients; a malformed one is a 400.
/// </summary>
public readonly record struct KeysetPosition(DateTime At, int Rank, long Id) : IComparable<KeysetPosition>
{
    public int CompareTo(KeysetPosition other)
    {
        var c = At.CompareTo(other.At);
        if (c == 0) c = Rank.CompareTo(other.Rank);
        return c != 0 ? c : Id.CompareTo(other.Id);
    }

    public string Encode() =>
        Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes($"{At.Ticks}:{Rank}:{Id}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static KeysetPosition? Decode(string? cursor)
    {
        if (cursor is not { Length: > 0 }) return null;
        try
        {
            var s = cursor.Replace('-', '+').Replace('_', '/');
            s = s.PadRight(s.Length + (4 - s.Length % 4) % 4, '=');
            var parts = System.Text.Encoding.ASCII.GetString(Convert.FromBase64String(s)).Split(':');
            // Two parts: a cursor given out before lists had ranks.
            if (parts.Length is 2 or 3 && long.TryParse(parts[0], out var ticks) && ticks >= 0 && ticks <= DateTime.MaxValue.Ticks
                && long.TryParse(parts[^1], out var id) && (parts.Length == 2 || int.TryParse(parts[1], out _)))
                return new KeysetPosition(new DateTime(ticks, DateTimeKind.Utc), parts.Length == 3 ? int.Parse(parts[1]) : 0, id);
        }
        catch (FormatException)
        {
            // Falls through to the 400 below.
        }
        throw RuleViolation.Field("cursor", "The cursor is not one this list gave out.");
    }
}

/// <summary>
/// Keyset paging newest first over (time, id), the one mechanism behind every per-customer list: each page is an
/// index range scan from the cursor, however deep the page. Each source of the timeline is one such query.
/// </summary>
public static class Keyset
{
    /// <summary>
    /// The rows of a source with the given <paramref name="rank"/> that come after <paramref name="cursor"/> in
    /// newest-first order: later sources at the cursor's instant are past, earlier ones still to come.
    /// </summary>
    public static IQueryable<T> After<T>(this IQueryable<T> query, Expression<Func<T, DateTime>> at, Expression<Func<T, long>> id,
        KeysetPosition? cursor, int rank = 0)
    {
        if (cursor is not { } c) return query;
        var idBound = rank < c.Rank ? long.MaxValue : rank > c.Rank ? long.MinValue : c.Id;
        var bound = new Bound(c.At, idBound);
        var row = at.Parameters[0];
        var rowId = new Rebind(id.Parameters[0], row).Visit(id.Body);
        var boundExpr = Expression.Constant(bound);
        var boundAt = Expression.Property(boundExpr, nameof(Bound.At));
        var boundId = Expression.Property(boundExpr, nameof(Bound.Id));
        Expression body = idBound == long.MinValue
            ? Expression.LessThan(at.Body, boundAt)
            : idBound == long.MaxValue
                ? Expression.LessThanOrEqual(at.Body, boundAt)
                : Expression.OrElse(Expression.LessThan(at.Body, boundAt),
                    Expression.AndAlso(Expression.Equal(at.Body, boundAt), Expression.LessThan(rowId, boundId)));
        return query.Where(Expression.Lambda<Func<T, bool>>(body, row));
    }

    public static IOrderedQueryable<T> NewestFirst<T>(this IQueryable<T> query, Expression<Func<T, DateTime>> at, Expression<Func<T, long>> id) =>
        query.OrderByDescending(at).ThenByDescending(id);

    /// <summary>One page of a single-source list and the cursor of the next, or null at the end.</summary>
    public static async Task<(List<T> Items, string? NextCursor)> PageAsync<T>(IQueryable<T> query, Expression<Func<T, DateTime>> at,
        Expression<Func<T, long>> id, string? cursor, int limit, CancellationToken ct)
    {
        var rows = await query.After(at, id, KeysetPosition.Decode(cursor)).NewestFirst(at, id).Take(limit + 1).ToListAsync(ct);
        string? next = null;
        if (rows.Count > limit)
        {
            rows.RemoveAt(limit);
            var last = rows[^1];
            next = new KeysetPosition(at.Compile()(last), 0, id.Compile()(last)).Encode();
        }
        return (rows, next);
    }

    // A class rather than constants so EF sends the bound as parameters and reuses one query plan for every page.
    private sealed record Bound(DateTime At, long Id);

    private sealed class Rebind(ParameterExpression from, ParameterExpression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : base.VisitParameter(node);
    }
}
