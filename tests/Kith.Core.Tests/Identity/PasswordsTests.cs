using Kith.Core.Identity;

namespace Kith.Core.Tests.Identity;

public sealed class PasswordsTests
{
    [Theory]
    [InlineData("password")]
    [InlineData("Password123!")]
    [InlineData("P@ssw0rd")]
    [InlineData("12345678")]
    [InlineData("1234567890")]
    [InlineData("qwertyuiop")]
    [InlineData("QWERTY123")]
    [InlineData("asdfghjkl")]
    [InlineData("1q2w3e4r5t")]
    [InlineData("iloveyou")]
    [InlineData("letmein!!")]
    [InlineData("aaaaaaaaaa")]
    [InlineData("abababab")]
    [InlineData("abcdefgh")]
    [InlineData("87654321")]
    [InlineData("woaini1314")]
    [InlineData("football2024")]
    [InlineData("monkey123")]
    public void CommonPasswordsAndTheirObviousVariantsAreRefused(string password)
    {
        var problem = Passwords.Problem(password, "someone@example.com");
        Assert.NotNull(problem);
        Assert.Contains("too common", problem);
    }

    [Theory]
    [InlineData("correct horse battery staple")]
    [InlineData("Tr0ub4dor&3-orange-kite")]
    [InlineData("七月的海边有很多风")]
    [InlineData("kx7#mQ2v")]
    public void UncommonPasswordsAreAccepted(string password) =>
        Assert.Null(Passwords.Problem(password, "someone@example.com"));

    [Fact]
    public void AShortPasswordIsRefusedWithItsMinimumLength()
    {
        Assert.Equal("The password must have at least 8 characters.", Passwords.Problem("kx7#mQ2", null));
        Assert.Equal("Enter a password.", Passwords.Problem("", null));
    }

    [Fact]
    public void LongPassPhrasesAreAcceptedUpToTheLimit()
    {
        var phrase = string.Join(" ", Enumerable.Range(0, 60).Select(i => $"word{i * 7919 % 1000}x"));
        Assert.True(phrase.Length >= 256);
        Assert.Null(Passwords.Problem(phrase, null));
        Assert.NotNull(Passwords.Problem(new string('x', Passwords.MaxLength) + "yz", null));
    }

    [Theory]
    [InlineData("jennifer.wu@example.com", "jennifer.wu")]
    [InlineData("jennifer.wu@example.com", "Jennifer.Wu2024")]
    [InlineData("jennifer.wu@example.com", "jennifer.wu@example.com")]
    [InlineData("zhangwei@acmetrading.cn", "acmetrading")]
    public void PasswordsMadeFromTheEmailAddressAreRefused(string email, string password) =>
        Assert.NotNull(Passwords.Problem(password, email));

    [Fact]
    public void TheShippedListHoldsSeveralHundredPasswords()
    {
        var assembly = typeof(Passwords).Assembly;
        using var stream = assembly.GetManifestResourceStream(assembly.GetManifestResourceNames().Single(n => n.EndsWith("CommonPasswords.txt", StringComparison.Ordinal)))!;
        using var reader = new StreamReader(stream);
        var entries = reader.ReadToEnd().Split('\n').Count(l => l.Trim().Length > 0 && !l.StartsWith('#'));
        Assert.True(entries >= 500, $"only {entries} entries");
    }

    [Fact]
    public void HashesVerifyOnlyTheRightPasswordAndAreSalted()
    {
        var user = new User { Email = "a@example.com" };
        user.PasswordHash = Passwords.Hash(user, "correct horse battery staple");
        Assert.True(Passwords.Verify(user, "correct horse battery staple", out _));
        Assert.False(Passwords.Verify(user, "correct horse battery stapl", out _));
        Assert.NotEqual(user.PasswordHash, Passwords.Hash(user, "correct horse battery staple"));
        Assert.DoesNotContain("staple", user.PasswordHash);
    }
}
