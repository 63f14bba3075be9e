using System.Globalization;
using System.Text.Json;
using Kith.Core.CustomFields;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;

namespace Kith.Core.Listing;

/// <summary>
/// Turns a parsed filter and a sort into SQL for one provider. Column names come only from the schema's whitelist
/// and custom field keys only from their definitions (which allow [a-z0-9_]); every value becomes a parameter.
/// </summary>
internal sealed class SqlBuilder(DatabaseProvider provider, ListSchema schema, IReadOnlyList<CustomFieldDefinition> customFields, long userId)
{
    private readonly List<(string Name, object? Value)> _parameters = [];
    private readonly Stack<string> _expanding = new();
    private readonly List<IndexedTerm> _indexedTerms = [];
    /// <summary>Above zero while compiling inside an OR, a NOT or a segment, where a term cannot drive the query.</summary>
    private int _nested;

    /// <summary>The instant that windows such as <c>events.purchase.30d</c> count back from.</summary>
    public DateTime Now { get; init; } = DateTime.UtcNow;

    /// <summary>Saved segments by key (their filters), for <c>segment eq key</c>; only loaded when a filter names one.</summary>
    public IReadOnlyDictionary<string, string> Segments { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// What the caller may see: a hidden field is unknown here, with the very answer a field that does not exist gets.
    /// Hidden custom fields are already left out of the definitions this builder was given.
    /// </summary>
    public FieldAccess Fields { get; init; } = FieldAccess.Open;

    /// <summary>
    /// Customer fields marked sensitive (or being converted): equality filters go through their lookups, and nothing
    /// that needs the plain value in SQL (substring, range, sort) is offered (ADR-0017).
    /// </summary>
    public SensitiveFields.SensitiveSet Sensitive { get; init; } = SensitiveFields.SensitiveSet.None;

    /// <summary>Computes lookups of filter values; present whenever <see cref="Sensitive"/> is not empty.</summary>
    public SensitiveFields.FieldCipher? Cipher { get; init; }

    public DatabaseProvider Provider => provider;

    /// <summary>A built-in field of the schema the caller may see.</summary>
    private bool TryField(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ListField? field) =>
        schema.Fields.TryGetValue(name, out field) && !Fields.IsHidden(schema.CustomFieldEntity, field.Name);

    private IEnumerable<ListField> VisibleFields => schema.Fields.Values.Where(f => !Fields.IsHidden(schema.CustomFieldEntity, f.Name));

    /// <summary>The behaviour conditions (events, visits, orders, scores) are the behaviour summary under other names.</summary>
    private bool BehaviorShown => schema.Behavior && !Fields.IsHidden(schema.CustomFieldEntity, "behavior");

    public IReadOnlyList<(string Name, object? Value)> Parameters => _parameters;

    /// <summary>
    /// On SQLite, the terms of the filter's top-level AND that an index can answer on its own (an equality on a field
    /// with its (column, id) index, a tag): candidates to drive the page when few records match (ADR-0057).
    /// </summary>
    public IReadOnlyList<IndexedTerm> IndexedTerms => _indexedTerms;

    public string Param(object? value)
    {
        var name = "@p" + _parameters.Count.ToString(CultureInfo.InvariantCulture);
        _parameters.Add((name, value));
        return name;
    }

    public ListEngine.SortSpec ParseSort(string sort)
    {
        var ascending = !sort.StartsWith('-');
        var name = sort.TrimStart('-', '+').Trim();
        if (name.Equals("id", StringComparison.OrdinalIgnoreCase))
            return new(ascending ? "id" : "-id", "t.id", ascending, false, true);
        if (name.StartsWith("cf.", StringComparison.OrdinalIgnoreCase))
        {
            var (expr, _, def) = CustomField(name, 1, "sort");
            if (Sensitive.IsRestricted("cf." + def.Key))
                throw RuleViolation.Field("sort", $"'cf.{def.Key}' is encrypted: it cannot be sorted.");
            return new((ascending ? "" : "-") + "cf." + def.Key, expr, ascending, true, false);
        }
        if (schema.JoinedSorts.TryGetValue(name, out var joined) && !Fields.IsHidden(schema.CustomFieldEntity, joined.Name))
            return new((ascending ? "" : "-") + joined.Name, joined.Expression, ascending, true, false, joined.Index)
            {
                Id = $"{JoinedSortKey.Alias}.{joined.Key}", Joined = joined,
            };
        if (!TryField(name, out var field) || !field.Sortable)
        {
            var sortable = string.Join(", ", VisibleFields.Where(f => f.Sortable).Select(f => f.Name)
                .Concat(schema.JoinedSorts.Values.Where(j => !Fields.IsHidden(schema.CustomFieldEntity, j.Name)).Select(j => j.Name)).Append("cf.<key>"));
            throw RuleViolation.Field("sort", $"Cannot sort by '{name}'. Sort by one of: {sortable}; put '-' in front for descending.");
        }
        // The partial (column, id) index of the entity configuration, named ix_<table>_live_<column>.
        var column = schema.Column(field, provider);
        return new((ascending ? "" : "-") + field.Name, column, ascending, field.Nullable, false, $"ix_{schema.Table}_live_{field.Column}")
        {
            // Sorted on the summary table's (column, id) index: its own id is the tie-breaker the index holds (ADR-0043).
            Id = column.StartsWith("b.", StringComparison.Ordinal) ? "b.id" : "t.id",
        };
    }

    public string Compile(FilterNode node) => node switch
    {
        AndNode a => And(a),
        OrNode o => Nested(() => $"({Compile(o.Left)} OR {Compile(o.Right)})"),
        // IS NOT TRUE, not NOT: a comparison with an empty field is NULL in SQL, and "not (city eq X)" should keep records without a city.
        NotNode n => Nested(() => $"(({Compile(n.Inner)}) IS NOT TRUE)"),
        Comparison c => Compare(c),
        _ => throw new InvalidOperationException(),
    };

    private string Nested(Func<string> compile)
    {
        _nested++;
        try { return compile(); }
        finally { _nested--; }
    }

    /// <summary>
    /// The terms of a chain of ANDs, compiled in the order written (so an error names the first bad one) and put in
    /// the SQL cheapest first. SQLite evaluates them as written and stops at the first false one: a visited page, which
    /// reads the customer's events one row at a time, runs only for the records the other terms kept. At a million
    /// customers "visited /pricing and no purchase" reads a third of the rows that way round (ADR-0036).
    /// </summary>
    private string And(AndNode a)
    {
        var terms = new List<FilterNode>();
        Flatten(a);
        var compiled = terms.Select(t => (Sql: Compile(t), Costly: ReadsEventRows(t))).ToList();
        return "(" + string.Join(" AND ", compiled.OrderBy(t => t.Costly).Select(t => t.Sql)) + ")";

        void Flatten(FilterNode n)
        {
            if (n is AndNode and) { Flatten(and.Left); Flatten(and.Right); }
            else terms.Add(n);
        }
    }

    /// <summary>Whether a term may read events row by row: a visited page, or a saved segment (whose rule may hold one).</summary>
    private static bool ReadsEventRows(FilterNode node) => node switch
    {
        AndNode a => ReadsEventRows(a.Left) || ReadsEventRows(a.Right),
        OrNode o => ReadsEventRows(o.Left) || ReadsEventRows(o.Right),
        NotNode n => ReadsEventRows(n.Inner),
        Comparison c => c.Field.Equals("segment", StringComparison.OrdinalIgnoreCase) || BehaviorFilter.ReadsEventRows(c),
        _ => false,
    };

    private string Compare(Comparison c)
    {
        string expr;
        FieldKind kind;
        ListField? field = null;
        CustomFieldDefinition? def = null;
        if (c.Field.StartsWith("cf.", StringComparison.OrdinalIgnoreCase))
        {
            (expr, kind, def) = CustomField(c.Field, c.Position, "filter");
        }
        else if (TryField(c.Field, out field))
        {
            expr = schema.Column(field, provider);
            kind = field.Kind;
        }
        else if (schema.Behavior && c.Field.Equals("segment", StringComparison.OrdinalIgnoreCase))
        {
            return SegmentCompare(c);
        }
        else if (schema.Behavior && c.Field.StartsWith(Privacy.ConsentFilter.Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return Privacy.ConsentFilter.Compile(c, this);
        }
        else if (BehaviorShown && BehaviorFilter.TryCompile(c, this) is { } behavior)
        {
            return behavior;
        }
        else
        {
            var known = string.Join(", ", VisibleFields.Select(f => f.Name).Append("cf.<key>")
                .Concat(schema.Behavior ? (BehaviorShown ? BehaviorFilter.Names : []).Append("segment").Append("consent.<purpose>") : []));
            throw FilterParser.Error($"Unknown field '{c.Field}' at position {c.Position}. Fields: {known}.", c.Position);
        }

        var op = c.Operator;
        if (kind == FieldKind.Tag) return TagCompare(c);
        var sealable = def is not null ? "cf." + def.Key : field is not null && schema.Table == SensitiveFields.SealableFields.Table ? field.Name : null;
        if (sealable is not null && Sensitive.IsRestricted(sealable)) return SealedCompare(c, sealable, expr, kind, field, def);
        // A stage or a yes/no value matches a large share of the records; SQLite, without statistics, would still pick
        // its index to drive the query and read that whole share. Unary + keeps such columns to filtering only.
        // When few match, the engine may still let the index drive, through an IndexedTerm written without the +.
        var plain = expr;
        if (provider == DatabaseProvider.Sqlite && kind is FieldKind.Enum or FieldKind.Boolean) expr = "+" + expr;
        // Not the behaviour summary's columns: a rebuild drops their indexes for a while (ADR-0046).
        var indexed = provider == DatabaseProvider.Sqlite && _nested == 0 && def is null && field is { Sortable: true, InSummary: false };
        var allowed = kind switch
        {
            FieldKind.Text => new[] { "eq", "ne", "gt", "ge", "lt", "le", "contains", "startswith", "in", "isnull", "notnull" },
            FieldKind.Enum => ["eq", "ne", "in", "isnull", "notnull"],
            FieldKind.Boolean => ["eq", "ne"],
            _ => ["eq", "ne", "gt", "ge", "lt", "le", "in", "isnull", "notnull"],
        };
        if (!allowed.Contains(op))
            throw FilterParser.Error($"'{c.Field}' does not take '{op}' (position {c.Position}); it takes {string.Join(", ", allowed)}.", c.Position);
        switch (op)
        {
            case "isnull": return $"{expr} IS NULL";
            case "notnull": return $"{expr} IS NOT NULL";
            case "in":
            {
                var list = string.Join(", ", c.Values.Select(v => Param(Value(v, kind, field, def, c.Field))));
                if (indexed) _indexedTerms.Add(IndexedTerm.OfColumn(schema, field!, $"{plain} IN ({list})"));
                return $"{expr} IN ({list})";
            }
            case "contains":
            case "startswith":
            {
                var text = c.Values[0].Text;
                if (field?.LowerCase == true) text = text.ToLowerInvariant();
                var pattern = (op == "contains" ? "%" : "") + ListEngine.EscapeLike(text) + "%";
                var like = provider == DatabaseProvider.Postgres ? "ILIKE" : "LIKE";
                return $"{expr} {like} {Param(pattern)} ESCAPE '\\'";
            }
        }
        var p = Param(Value(c.Values[0], kind, field, def, c.Field));
        if (indexed && op == "eq") _indexedTerms.Add(IndexedTerm.OfColumn(schema, field!, $"{plain} = {p}"));
        return op switch
        {
            "eq" => $"{expr} = {p}",
            // "not equal" includes records where the field is empty, as a person reading the filter expects.
            "ne" => $"({expr} IS NULL OR {expr} <> {p})",
            "gt" => $"{expr} > {p}",
            "ge" => $"{expr} >= {p}",
            "lt" => $"{expr} < {p}",
            "le" => $"{expr} <= {p}",
            _ => throw new InvalidOperationException(),
        };
    }

    /// <summary>
    /// A sensitive field is compared through its lookup (HMAC of the normalised value); while a conversion runs some
    /// values are still plain, so the plain column is compared too (a sealed value never equals a plain one).
    /// </summary>
    private string SealedCompare(Comparison c, string name, string expr, FieldKind kind, ListField? field, CustomFieldDefinition? def)
    {
        string[] allowed = ["eq", "ne", "in", "isnull", "notnull"];
        if (!allowed.Contains(c.Operator))
            throw FilterParser.Error($"'{c.Field}' is encrypted: only equality filters ({string.Join(", ", allowed)}) work on it, not '{c.Operator}' (position {c.Position}).", c.Position);
        var birth = name == SensitiveFields.SealableFields.BirthDate;
        var empty = birth ? $"({expr} IS NULL AND t.birth_date_sealed IS NULL)" : $"{expr} IS NULL";
        if (c.Operator == "isnull") return empty;
        if (c.Operator == "notnull") return $"NOT {empty}";
        var lookupExpr = def is null
            ? "t." + SensitiveFields.SealableFields.LookupColumn(name)
            : provider == DatabaseProvider.Sqlite ? $"json_extract(t.custom_field_lookups, '$.{def.Key}')" : $"(t.custom_field_lookups::jsonb ->> '{def.Key}')";
        var cipher = Cipher ?? throw new InvalidOperationException("Sensitive fields need the field cipher.");
        string One(FilterValue v)
        {
            var plain = Value(v, kind, field, def, c.Field);
            var normalised = plain is DateOnly d ? d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : SensitiveFields.FieldCipher.Normalise(v.Text);
            return $"({lookupExpr} = {Param(cipher.Lookup(name, normalised))} OR {expr} = {Param(plain)})";
        }
        var any = c.Values.Count == 1 ? One(c.Values[0]) : "(" + string.Join(" OR ", c.Values.Select(One)) + ")";
        return c.Operator == "ne" ? $"(({any}) IS NOT TRUE)" : any;
    }

    /// <summary>
    /// A saved segment is its filter, expanded in place: always current, checked against the same reach as the rest of
    /// the list. A segment that names itself, directly or through others, is refused rather than expanded forever.
    /// </summary>
    private string SegmentCompare(Comparison c)
    {
        if (c.Operator is not ("eq" or "ne" or "in"))
            throw FilterParser.Error($"'segment' does not take '{c.Operator}' (position {c.Position}); it takes eq, ne, in.", c.Position);
        var parts = new List<string>();
        foreach (var v in c.Values)
        {
            var key = v.Text.Trim().ToLowerInvariant();
            if (!Segments.TryGetValue(key, out var filter))
                throw FilterParser.Error($"There is no segment '{v.Text}' (position {v.Position}).", v.Position);
            if (_expanding.Contains(key))
                throw FilterParser.Error($"The segment '{key}' refers to itself through {string.Join(" → ", _expanding.Reverse().Append(key))}.", v.Position);
            _expanding.Push(key);
            try
            {
                var node = FilterParser.Parse(filter);
                parts.Add(node is null ? "1 = 1" : Nested(() => Compile(node)));
            }
            catch (RuleViolation e) when (_expanding.Count == 1)
            {
                throw FilterParser.Error($"The segment '{key}' (position {v.Position}) no longer works: {e.Message}", v.Position);
            }
            finally { _expanding.Pop(); }
        }
        var any = parts.Count == 1 ? parts[0] : "(" + string.Join(" OR ", parts) + ")";
        return c.Operator == "ne" ? $"(({any}) IS NOT TRUE)" : any;
    }

    private string TagCompare(Comparison c)
    {
        var join = $"SELECT 1 FROM {schema.TagJoinTable} AS j JOIN tags AS g ON g.id = j.tag_id WHERE j.{schema.TagJoinColumn} = t.id";
        var any = $"SELECT 1 FROM {schema.TagJoinTable} AS j WHERE j.{schema.TagJoinColumn} = t.id";
        string Names() => string.Join(", ", c.Values.Select(v => Param(v.Text.Trim().ToLowerInvariant())));
        if (provider == DatabaseProvider.Sqlite && _nested == 0 && c.Operator is "eq" or "in")
        {
            // The same records, as ids the tag index lists: when the tag is on few records they drive the page (ADR-0057).
            var names = Names();
            var tagged = $"SELECT j.{schema.TagJoinColumn} FROM {schema.TagJoinTable} AS j JOIN tags AS g ON g.id = j.tag_id WHERE g.normalized_name IN ({names})";
            _indexedTerms.Add(new IndexedTerm($"t.id IN ({tagged})", "NOT INDEXED", tagged));
            return $"EXISTS ({join} AND g.normalized_name IN ({names}))";
        }
        return c.Operator switch
        {
            "eq" => $"EXISTS ({join} AND g.normalized_name = {Names()})",
            "in" => $"EXISTS ({join} AND g.normalized_name IN ({Names()}))",
            "ne" => $"NOT EXISTS ({join} AND g.normalized_name = {Names()})",
            "isnull" => $"NOT EXISTS ({any})",
            "notnull" => $"EXISTS ({any})",
            _ => throw FilterParser.Error($"'tag' does not take '{c.Operator}' (position {c.Position}); it takes eq, ne, in, isnull, notnull.", c.Position),
        };
    }

    private (string Expression, FieldKind Kind, CustomFieldDefinition Definition) CustomField(string name, int position, string where)
    {
        var key = name[3..];
        var def = customFields.FirstOrDefault(d => d.Key == key);
        if (def is null)
        {
            var message = $"There is no custom field '{key}'" + (where == "filter" ? $" (position {position})." : ".");
            throw where == "filter" ? FilterParser.Error(message, position) : RuleViolation.Field(where, message);
        }
        // Keys are [a-z][a-z0-9_]* (checked when defined), so inlining one into a JSON path is safe.
        var expr = provider == DatabaseProvider.Sqlite
            ? $"json_extract(t.custom_fields, '$.{def.Key}')"
            : def.Type == CustomFieldType.Number
                ? $"((t.custom_fields::jsonb ->> '{def.Key}')::numeric)"
                : $"(t.custom_fields::jsonb ->> '{def.Key}')";
        var kind = def.Type switch
        {
            CustomFieldType.Number => FieldKind.Integer,
            CustomFieldType.Date => FieldKind.Date,
            _ => FieldKind.Text,
        };
        return (expr, kind, def);
    }

    private object Value(FilterValue v, FieldKind kind, ListField? field, CustomFieldDefinition? def, string name)
    {
        var text = v.Text.Trim();
        RuleViolation Bad(string expected) => FilterParser.Error($"'{v.Text}' at position {v.Position} is not {expected} for '{name}'.", v.Position);
        if (def is not null)
        {
            switch (def.Type)
            {
                case CustomFieldType.Number:
                    if (!decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var number)) throw Bad("a number");
                    // SQLite's json_extract yields INTEGER or REAL; a decimal parameter would be bound as TEXT and never compare equal.
                    return provider == DatabaseProvider.Sqlite ? (double)number : number;
                case CustomFieldType.Date:
                    if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)) throw Bad("a date (yyyy-MM-dd)");
                    return d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                case CustomFieldType.Choice:
                    var choices = CustomFieldDefinitions.ChoicesOf(def);
                    if (!choices.Contains(v.Text)) throw Bad($"one of {string.Join(", ", choices)}");
                    return v.Text;
                default:
                    return v.Text;
            }
        }
        switch (kind)
        {
            case FieldKind.Text:
                return field?.LowerCase == true ? v.Text.Trim().ToLowerInvariant() : v.Text;
            case FieldKind.Integer:
                if (field?.AcceptsMe == true && text.Equals("me", StringComparison.OrdinalIgnoreCase)) return userId;
                if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l)) throw Bad("a whole number");
                return l;
            case FieldKind.Boolean:
                if (!bool.TryParse(text, out var b)) throw Bad("true or false");
                return b;
            case FieldKind.Date:
                if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)) throw Bad("a date (yyyy-MM-dd)");
                return date;
            case FieldKind.Instant:
                if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
                    return day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
                if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant) && text.Contains('T'))
                    return instant.UtcDateTime;
                throw Bad("a date (yyyy-MM-dd) or an instant (2024-01-31T08:00:00Z)");
            case FieldKind.Enum:
                var names = Enum.GetNames(field!.EnumType!);
                var match = names.FirstOrDefault(n => n.Equals(text, StringComparison.OrdinalIgnoreCase))
                            ?? throw Bad("one of " + string.Join(", ", names.Select(JsonNamingPolicy.CamelCase.ConvertName)));
                return match;
            default:
                throw new InvalidOperationException();
        }
    }
}

/// <summary>
/// A term of a filter that one index answers: <see cref="Sql"/> (true for the same records as the compiled term, which
/// stays in the statement), the hint on <c>t</c> that makes SQLite read the records through it, and <see cref="Rows"/>,
/// a SELECT of the index entries it reads (a bound of the records it matches), for a capped count.
/// </summary>
internal sealed record IndexedTerm(string Sql, string Hint, string Rows)
{
    /// <summary>An equality on a field of the schema with its partial (column, id) index, ix_&lt;table&gt;_live_&lt;column&gt;.</summary>
    public static IndexedTerm OfColumn(ListSchema schema, ListField field, string sql)
    {
        var hint = $"INDEXED BY ix_{schema.Table}_live_{field.Column}";
        return new IndexedTerm(sql, hint, $"SELECT 1 FROM {schema.Table} AS t {hint} WHERE t.deleted_at IS NULL AND {sql}");
    }
}
