using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Kith.Tests.Localization;

/// <summary>
/// The sentences Kith.Core writes, read from its source: every string (a literal, an interpolation or a concatenation
/// of them) that reads as a sentence, as a template with each hole written as its C# expression in braces:
/// <c>$"'{name}' is empty."</c> is <c>'{name}' is empty.</c>, and a literal brace doubles. These are the keys of
/// src/Kith/Infrastructure/RuleMessages.zh-Hans.rules.json (ADR-0055).
/// </summary>
internal static class RuleMessageSource
{
    public sealed record Sentence(string Template, string File, int Line);

    public static IReadOnlyList<Sentence> Scan(string folder, string files = "*.cs")
    {
        var found = new List<Sentence>();
        foreach (var file in Directory.EnumerateFiles(folder, files, SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") || file.Contains($"{Path.DirectorySeparatorChar}Migrations{Path.DirectorySeparatorChar}")) continue;
            var root = CSharpSyntaxTree.ParseText(File.ReadAllText(file)).GetRoot();
            var tops = new HashSet<ExpressionSyntax>();
            foreach (var node in root.DescendantNodes().OfType<ExpressionSyntax>())
            {
                if (node is not (InterpolatedStringExpressionSyntax or LiteralExpressionSyntax { RawKind: (int)SyntaxKind.StringLiteralExpression })) continue;
                if (node.Ancestors().Any(a => a is InterpolationSyntax or AttributeSyntax)) continue;
                var top = Top(node);
                // A branch of a choice between strings is read with the choice, as one of its templates.
                while (top.Parent is ConditionalExpressionSyntax c && IsChoice(c)) top = Top(c);
                tops.Add(top);
            }
            foreach (var top in tops)
            {
                if (IsExcluded(top)) continue;
                foreach (var template in Templates(top))
                    if (IsSentence(template))
                        found.Add(new Sentence(template, Path.GetRelativePath(folder, file), top.GetLocation().GetLineSpan().StartLinePosition.Line + 1));
            }
        }
        return found;
    }

    /// <summary>The largest concatenation the string is part of.</summary>
    private static ExpressionSyntax Top(ExpressionSyntax node)
    {
        while (node.Parent is BinaryExpressionSyntax { RawKind: (int)SyntaxKind.AddExpression } or ParenthesizedExpressionSyntax
               && (node.Parent is not ParenthesizedExpressionSyntax || node.Parent.Parent is BinaryExpressionSyntax { RawKind: (int)SyntaxKind.AddExpression }))
            node = (ExpressionSyntax)node.Parent;
        return node;
    }

    /// <summary>Strings that are not shown to a user as a rule's message: log lines and other exceptions' texts.</summary>
    private static bool IsExcluded(ExpressionSyntax node) =>
        node.Ancestors().Any(a => a switch
        {
            InvocationExpressionSyntax i => Name(i.Expression) is { } n && (n.StartsWith("Log", StringComparison.Ordinal) || n is "WriteLine" or "Write"),
            ObjectCreationExpressionSyntax o => o.Type.ToString().EndsWith("Exception", StringComparison.Ordinal),
            _ => false,
        });

    private static string? Name(ExpressionSyntax e) => e switch
    {
        MemberAccessExpressionSyntax m => m.Name.Identifier.ValueText,
        IdentifierNameSyntax i => i.Identifier.ValueText,
        _ => null,
    };

    /// <summary>The templates a string expression writes: one, or one per branch of a choice between strings
    /// (<c>kind == Csat ? "CSAT" : "NPS"</c>) inside it.</summary>
    public static IReadOnlyList<string> Templates(ExpressionSyntax e)
    {
        var variants = new List<string> { "" };
        Append(e, variants);
        return variants.Distinct().ToList();
    }

    private static void Append(ExpressionSyntax e, List<string> variants)
    {
        switch (e)
        {
            case ParenthesizedExpressionSyntax p when IsStringy(p.Expression) || IsChoice(p.Expression):
                Append(p.Expression, variants);
                break;
            case ConditionalExpressionSyntax c when IsChoice(c):
                var whenTrue = new List<string>(variants);
                Append(c.WhenTrue, whenTrue);
                var whenFalse = new List<string>(variants);
                Append(c.WhenFalse, whenFalse);
                variants.Clear();
                variants.AddRange(whenTrue.Concat(whenFalse));
                break;
            case BinaryExpressionSyntax { RawKind: (int)SyntaxKind.AddExpression } b when IsStringy(b):
                Append(b.Left, variants);
                Append(b.Right, variants);
                break;
            case LiteralExpressionSyntax { RawKind: (int)SyntaxKind.StringLiteralExpression } l:
                Add(variants, Escape(l.Token.ValueText));
                break;
            case InterpolatedStringExpressionSyntax s:
                foreach (var part in s.Contents)
                {
                    if (part is InterpolatedStringTextSyntax t) Add(variants, Escape(t.TextToken.ValueText));
                    else if (part is InterpolationSyntax { Expression: var x } i)
                    {
                        if (IsChoice(x) && i.FormatClause is null) Append(x, variants);
                        else Add(variants, "{" + Hole(x) + (i.FormatClause?.ToString() ?? "") + "}");
                    }
                }
                break;
            default:
                Add(variants, "{" + Hole(e) + "}");
                break;
        }
    }

    private static void Add(List<string> variants, string text)
    {
        for (var i = 0; i < variants.Count; i++) variants[i] += text;
    }

    /// <summary>A choice between two strings: <c>a ? "x" : $"y{z}"</c>, possibly in parentheses.</summary>
    private static bool IsChoice(ExpressionSyntax e) => e switch
    {
        ParenthesizedExpressionSyntax p => IsChoice(p.Expression),
        ConditionalExpressionSyntax c => (IsStringy(c.WhenTrue) || IsChoice(c.WhenTrue)) && (IsStringy(c.WhenFalse) || IsChoice(c.WhenFalse)),
        _ => false,
    };

    private static bool IsStringy(ExpressionSyntax e) => e switch
    {
        LiteralExpressionSyntax { RawKind: (int)SyntaxKind.StringLiteralExpression } or InterpolatedStringExpressionSyntax => true,
        ParenthesizedExpressionSyntax p => IsStringy(p.Expression),
        BinaryExpressionSyntax { RawKind: (int)SyntaxKind.AddExpression } b => IsStringy(b.Left) || IsStringy(b.Right),
        _ => false,
    };

    /// <summary>An expression on one line with single spaces, so that reformatting the code does not change the key.</summary>
    private static string Hole(ExpressionSyntax e) => Regex.Replace(e.ToString(), @"\s+", " ").Replace("{", "(").Replace("}", ")");

    private static string Escape(string literal) => literal.Replace("{", "{{").Replace("}", "}}");

    /// <summary>Reads as a sentence: words with a space between, ending as a sentence ends (perhaps before a hole
    /// that adds a hint), or a sentence that ends in a colon and the message after it. A piece that starts with a
    /// space is the end of another sentence, not one.</summary>
    private static bool IsSentence(string template)
    {
        var words = Regex.Replace(template, @"\{\{|\}\}|\{[^{}]*\}", "").Trim();
        var end = Regex.Replace(template, @"(\{[^{}]*\})+$", "").TrimEnd();
        return template.Length > 0 && !char.IsWhiteSpace(template[0]) && Regex.IsMatch(words, @"[A-Za-z]\S* +\S*[A-Za-z]")
               && (end.EndsWith('.') || end.EndsWith(".)", StringComparison.Ordinal) || (end.EndsWith(':') && end.Length < template.TrimEnd().Length));
    }
}
