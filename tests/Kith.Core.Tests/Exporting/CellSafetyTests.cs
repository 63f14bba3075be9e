using Kith.Core.Exporting;

namespace Kith.Core.Tests.Exporting;

public sealed class CellSafetyTests
{
    [Theory]
    [InlineData("=1+1", "'=1+1")]
    [InlineData("+8613800138000", "'+8613800138000")]
    [InlineData("-5", "'-5")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\tx", "'\tx")]
    [InlineData("\rx", "'\rx")]
    [InlineData("'=1", "''=1")]
    [InlineData("''", "'''")]
    [InlineData("'quoted'", "'quoted'")]
    [InlineData("'", "'")]
    [InlineData("", "")]
    [InlineData("王小明", "王小明")]
    [InlineData("a=b", "a=b")]
    [InlineData(" =1", " =1")]
    public void NeutraliseMarksFormulaStartsAndOnlyThem(string value, string expected)
    {
        Assert.Equal(expected, CellSafety.Neutralise(value));
        Assert.Equal(value, CellSafety.Restore(expected));
    }

    [Fact]
    public void RestoreUndoesNeutraliseForThousandsOfRandomStrings()
    {
        var checkedCount = 0;
        foreach (var value in HostileStrings.Generate(seed: 20261126, count: 5000))
        {
            var safe = CellSafety.Neutralise(value);
            Assert.Equal(value, CellSafety.Restore(safe));
            // What a spreadsheet sees never starts a formula.
            Assert.False(safe.Length > 0 && safe[0] is '=' or '+' or '-' or '@' or '\t' or '\r', $"'{safe}' starts a formula");
            checkedCount++;
        }
        Assert.Equal(5000, checkedCount);
    }

    [Fact]
    public void RestoreRemovesExactlyOneApostrophe()
    {
        Assert.Equal("'=x", CellSafety.Restore("''=x"));
        Assert.Equal("=x", CellSafety.Restore(CellSafety.Restore("''=x")));
        Assert.Equal("'x", CellSafety.Restore("'x"));
    }
}
