using System.Security.Cryptography;
using Kith.Core.Infrastructure;

namespace Kith.Core.Tests.Infrastructure;

public sealed class SecretBoxTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "kith-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public void A_secret_round_trips_and_its_sealed_form_hides_it()
    {
        var box = new SecretBox(Path.Combine(_folder, SecretBox.KeyFileName));

        var sealedText = box.Encrypt("hunter2-密码", "mailbox-password");

        Assert.DoesNotContain("hunter2", sealedText);
        Assert.NotEqual(sealedText, box.Encrypt("hunter2-密码", "mailbox-password"));
        Assert.Equal("hunter2-密码", box.Decrypt(sealedText, "mailbox-password"));
        Assert.Equal("hunter2-密码", new SecretBox(Path.Combine(_folder, SecretBox.KeyFileName)).Decrypt(sealedText, "mailbox-password"));
    }

    [Fact]
    public void The_key_file_is_created_readable_by_its_owner_only()
    {
        var path = Path.Combine(_folder, SecretBox.KeyFileName);
        new SecretBox(path).Encrypt("x", "p");

        Assert.True(File.Exists(path));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void A_tampered_value_another_purpose_or_another_key_is_refused()
    {
        var box = new SecretBox(Path.Combine(_folder, "a.key"));
        var sealedText = box.Encrypt("secret", "mailbox-password");
        var bytes = Convert.FromBase64String(sealedText[3..]);
        bytes[^1] ^= 1;

        Assert.ThrowsAny<CryptographicException>(() => box.Decrypt("v1:" + Convert.ToBase64String(bytes), "mailbox-password"));
        Assert.ThrowsAny<CryptographicException>(() => box.Decrypt(sealedText, "api-token"));
        Assert.ThrowsAny<CryptographicException>(() => new SecretBox(Path.Combine(_folder, "b.key")).Decrypt(sealedText, "mailbox-password"));
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, true);
    }
}
