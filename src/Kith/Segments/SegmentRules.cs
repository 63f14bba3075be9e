using System.Globalization;
using Kith.Components.Shared;
using Kith.Core.Listing;

namespace Kith.Segments;

/// <summary>What a rule of the segment builder is about.</summary>
public enum RuleKind { Field, Events, Visited, Purchases, Spent, Segment, Rfm, ChurnRisk }

/// <summary>
/// One row of the segment builder, and its clause in the customer filter language: the builder is only a friendlier
/// way to write that filter, so whatever it makes can also be written (and read back) as text.
/// </summary>
public sealed class SegmentRule
{
    public RuleKind Kind { get; set; } = RuleKind.Field;
    /// <summary>For <see cref="RuleKind.Field"/>: the field name (stage, city, tag, cf.tier…).</summary>
    public string Field { get; set; } = "stage";
    /// <summary>For <see cref="RuleKind.Events"/>: the event type.</summary>
    public string EventType { get; set; } = "purchase";
    /// <summary>For behaviour rules: the window in days, or null for all time.</summary>
    public int? Days { get; set; }
    public string Op { get; set; } = "eq";
    public string Value { get; set; } = "";

    public bool IsComplete => Value.Trim().Length > 0 || Op is "isnull" or "notnull";

    public string ToClause()
    {
        var window = Days is { } d ? $".{d.ToString(CultureInfo.InvariantCulture)}d" : "";
        var name = Kind switch
        {
            RuleKind.Field => Field,
            // The key the type is stored as ("Add to cart" is add_to_cart, ADR-0053).
            RuleKind.Events => $"events.{Kith.Core.Behavior.EventTypes.Normalize(EventType) ?? EventType.Trim().ToLowerInvariant()}{window}",
            RuleKind.Visited => $"visited{window}",
            RuleKind.Purchases => $"orders{window}",
            RuleKind.Spent => $"spent{window}",
            RuleKind.Rfm => "rfm",
            RuleKind.ChurnRisk => "churnRisk",
            _ => "segment",
        };
        if (Op is "isnull" or "notnull") return $"{name} {Op}";
        var value = Value.Trim();
        // Bare words read better (events.purchase ge 2, stage eq customer); anything else is quoted.
        var bare = value.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or ':' or '+' or '-' or '@') && value is not ("and" or "or" or "not");
        return $"{name} {Op} {(bare ? value : ListState.Quote(value))}";
    }

    /// <summary>Rules joined by "and" (all must hold) or "or" (any).</summary>
    public static string? ToFilter(IEnumerable<SegmentRule> rules, bool all) =>
        string.Join(all ? " and " : " or ", rules.Where(r => r.IsComplete).Select(r => r.ToClause())) is { Length: > 0 } f ? f : null;

    /// <summary>
    /// The rules a filter is made of, when it is a plain list of clauses joined by one kind of operator; otherwise
    /// null, and the builder shows the filter as text.
    /// </summary>
    public static (List<SegmentRule> Rules, bool All)? FromFilter(string? filter)
    {
        FilterNode? node;
        try { node = FilterParser.Parse(filter); }
        catch (Kith.Core.Infrastructure.RuleViolation) { return null; }
        if (node is null) return ([], true);
        var all = node is not OrNode;
        var clauses = new List<Comparison>();
        if (!Flatten(node, all, clauses)) return null;
        var rules = new List<SegmentRule>();
        foreach (var c in clauses)
        {
            if (c.Values.Count > 1) return null;
            var rule = FromComparison(c);
            if (rule is null) return null;
            rules.Add(rule);
        }
        return (rules, all);
    }

    private static bool Flatten(FilterNode node, bool all, List<Comparison> into)
    {
        switch (node)
        {
            case AndNode a when all: return Flatten(a.Left, all, into) && Flatten(a.Right, all, into);
            case OrNode o when !all: return Flatten(o.Left, all, into) && Flatten(o.Right, all, into);
            case Comparison c: into.Add(c); return true;
            default: return false;
        }
    }

    private static SegmentRule? FromComparison(Comparison c)
    {
        var value = c.Values.Count == 1 ? c.Values[0].Text : "";
        var field = c.Field;
        int? days = null;
        var dot = field.LastIndexOf('.');
        if (dot > 0 && field.EndsWith('d') && int.TryParse(field[(dot + 1)..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var d))
        {
            days = d;
            field = field[..dot];
        }
        var lower = field.ToLowerInvariant();
        SegmentRule Rule(RuleKind kind) => new() { Kind = kind, Days = days, Op = c.Operator, Value = value };
        if (lower.StartsWith("events.", StringComparison.Ordinal))
        {
            var rule = Rule(RuleKind.Events);
            rule.EventType = lower["events.".Length..];
            return rule;
        }
        switch (lower)
        {
            case "visited": return Rule(RuleKind.Visited);
            case "orders": return Rule(RuleKind.Purchases);
            case "spent": return Rule(RuleKind.Spent);
            case "segment": return days is null ? Rule(RuleKind.Segment) : null;
            case "rfm": return days is null ? Rule(RuleKind.Rfm) : null;
            case "churnrisk": return days is null ? Rule(RuleKind.ChurnRisk) : null;
        }
        if (days is not null) return null;
        return new SegmentRule { Kind = RuleKind.Field, Field = c.Field, Op = c.Operator, Value = value };
    }
}
