using Kith.Core.Infrastructure;

namespace Kith.Core.Listing;

/// <summary>
/// The filter language of every list (documented in docs/api.md, "Filters"):
/// <code>
/// filter     := or
/// or         := and ("or" and)*
/// and        := unary ("and" unary)*
/// unary      := "not" unary | "(" or ")" | comparison
/// comparison := field op value | field "in" "(" value ("," value)* ")" | field ("isnull" | "notnull")
/// op         := eq | ne | gt | ge | lt | le | contains | startswith
/// field      := name | cf.key
/// value      := bare word of letters, digits, marks and _ . : + - @ | "double-quoted text" (\" and \\ escape)
/// </code>
/// Keywords and operators ignore case. The parser only builds a tree; <see cref="ListEngine"/> checks fields and
/// operators against a whitelist and binds every value as a parameter, so no filter text ever reaches SQL.
/// Positions in errors count characters from 1.
/// </summary>
public static class FilterParser
{
    public const int MaxLength = 2000;
    private const int MaxDepth = 20;

    public static readonly IReadOnlySet<string> Operators = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        { "eq", "ne", "gt", "ge", "lt", "le", "contains", "startswith", "in", "isnull", "notnull" };

    public static FilterNode? Parse(string? filter)
    {
        if (string.IsNullOrWhiteSpace(filter)) return null;
        if (filter.Length > MaxLength) throw Error($"A filter may have at most {MaxLength} characters.", 1);
        var tokens = Tokenize(filter);
        var parser = new Parser(tokens);
        var node = parser.Or(0);
        var next = parser.Peek;
        if (next.Kind != TokenKind.End) throw Error($"Unexpected '{next.Text}' at position {next.Position}; expected 'and', 'or' or the end.", next.Position);
        return node;
    }

    internal static RuleViolation Error(string message, int position) =>
        new($"The filter is not valid: {message}", new Dictionary<string, string[]> { ["filter"] = [message] }) { Data = { ["position"] = position } };

    internal enum TokenKind { Word, String, Open, Close, Comma, End }

    internal readonly record struct Token(TokenKind Kind, string Text, int Position);

    internal static List<Token> Tokenize(string s)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < s.Length)
        {
            var c = s[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            var pos = i + 1;
            switch (c)
            {
                case '(': tokens.Add(new(TokenKind.Open, "(", pos)); i++; continue;
                case ')': tokens.Add(new(TokenKind.Close, ")", pos)); i++; continue;
                case ',': tokens.Add(new(TokenKind.Comma, ",", pos)); i++; continue;
                case '"':
                {
                    var sb = new System.Text.StringBuilder();
                    i++;
                    while (true)
                    {
                        if (i >= s.Length) throw Error($"The text starting at position {pos} has no closing double quote.", pos);
                        var ch = s[i];
                        if (ch == '\\' && i + 1 < s.Length && s[i + 1] is '"' or '\\') { sb.Append(s[i + 1]); i += 2; continue; }
                        if (ch == '"') { i++; break; }
                        sb.Append(ch);
                        i++;
                    }
                    tokens.Add(new(TokenKind.String, sb.ToString(), pos));
                    continue;
                }
            }
            if (IsWordChar(c))
            {
                var start = i;
                while (i < s.Length && IsWordChar(s[i])) i++;
                tokens.Add(new(TokenKind.Word, s[start..i], pos));
                continue;
            }
            var hint = c == '\'' ? " Write text in double quotes." : "";
            throw Error($"Unexpected character '{c}' at position {pos}.{hint}", pos);
        }
        tokens.Add(new(TokenKind.End, "end of filter", s.Length + 1));
        return tokens;
    }

    // Letters, digits and marks of any script (and a letter beyond the first plane, as two surrogates), so that an
    // event type key such as events.加购 or events.खरीद reads as one word (ADR-0053).
    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c is '_' or '.' or ':' or '+' or '-' or '@' || char.IsSurrogate(c)
        || char.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.NonSpacingMark or System.Globalization.UnicodeCategory.SpacingCombiningMark
            or System.Globalization.UnicodeCategory.LetterNumber or System.Globalization.UnicodeCategory.OtherNumber;

    private sealed class Parser(List<Token> tokens)
    {
        private int _i;

        public Token Peek => tokens[_i];

        private Token Next() => tokens[_i++];

        private bool IsKeyword(string keyword) => Peek.Kind == TokenKind.Word && Peek.Text.Equals(keyword, StringComparison.OrdinalIgnoreCase);

        public FilterNode Or(int depth)
        {
            var left = And(depth);
            while (IsKeyword("or")) { Next(); left = new OrNode(left, And(depth)); }
            return left;
        }

        private FilterNode And(int depth)
        {
            var left = Unary(depth);
            while (IsKeyword("and")) { Next(); left = new AndNode(left, Unary(depth)); }
            return left;
        }

        private FilterNode Unary(int depth)
        {
            if (depth > MaxDepth) throw Error($"The filter nests more than {MaxDepth} levels deep at position {Peek.Position}.", Peek.Position);
            if (IsKeyword("not")) { Next(); return new NotNode(Unary(depth + 1)); }
            if (Peek.Kind == TokenKind.Open)
            {
                var open = Next();
                var inner = Or(depth + 1);
                if (Peek.Kind != TokenKind.Close) throw Error($"The '(' at position {open.Position} is not closed; found '{Peek.Text}' at position {Peek.Position}.", Peek.Position);
                Next();
                return inner;
            }
            return Comparison();
        }

        private FilterNode Comparison()
        {
            var field = Next();
            if (field.Kind != TokenKind.Word) throw Error($"Expected a field name at position {field.Position}, found '{field.Text}'.", field.Position);
            var op = Next();
            if (op.Kind != TokenKind.Word || !Operators.Contains(op.Text))
                throw Error($"Expected an operator (eq, ne, gt, ge, lt, le, contains, startswith, in, isnull, notnull) after '{field.Text}' at position {op.Position}, found '{op.Text}'.", op.Position);
            var name = op.Text.ToLowerInvariant();
            if (name is "isnull" or "notnull") return new Comparison(field.Text, name, [], field.Position);
            if (name == "in")
            {
                var open = Next();
                if (open.Kind != TokenKind.Open) throw Error($"Expected '(' after 'in' at position {open.Position}.", open.Position);
                var values = new List<FilterValue> { Value() };
                while (Peek.Kind == TokenKind.Comma) { Next(); values.Add(Value()); }
                var close = Next();
                if (close.Kind != TokenKind.Close) throw Error($"Expected ',' or ')' at position {close.Position}, found '{close.Text}'.", close.Position);
                if (values.Count > 100) throw Error($"At most 100 values in a list (position {open.Position}).", open.Position);
                return new Comparison(field.Text, name, values, field.Position);
            }
            return new Comparison(field.Text, name, [Value()], field.Position);
        }

        private FilterValue Value()
        {
            var t = Next();
            if (t.Kind is TokenKind.Word or TokenKind.String) return new FilterValue(t.Text, t.Kind == TokenKind.String, t.Position);
            throw Error($"Expected a value at position {t.Position}, found '{t.Text}'.", t.Position);
        }
    }
}

public abstract record FilterNode;
public sealed record AndNode(FilterNode Left, FilterNode Right) : FilterNode;
public sealed record OrNode(FilterNode Left, FilterNode Right) : FilterNode;
public sealed record NotNode(FilterNode Inner) : FilterNode;
public sealed record Comparison(string Field, string Operator, IReadOnlyList<FilterValue> Values, int Position) : FilterNode;
public sealed record FilterValue(string Text, bool Quoted, int Position);
