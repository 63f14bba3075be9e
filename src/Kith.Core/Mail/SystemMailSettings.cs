using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Settings;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Mail;

/// <summary>
/// The SMTP server Kith sends its own mail through (reminders, surveys, password resets), as an administrator types
/// it in. The password is write-only: left empty on a change, the stored one stays.
/// </summary>
public sealed class SystemMailInput
{
    public string Host { get; set; } = "";
    public int Port { get; set; } = 587;
    public MailSecurity Security { get; set; } = MailSecurity.StartTls;
    /// <summary>Empty for a relay that needs no sign-in.</summary>
    public string? User { get; set; }
    public string? Password { get; set; }
    public string FromAddress { get; set; } = "";
    public string? FromName { get; set; }
    /// <summary>Kith's address as its users and customers reach it (https://crm.example.com); links in mail start with it.</summary>
    public string PublicUrl { get; set; } = "";
}

/// <summary>The system mail settings as the API and the admin page show them: never the password, only whether one is stored.</summary>
public sealed record SystemMailView(bool Configured, string Host, int Port, MailSecurity Security, string User, bool HasPassword,
    string FromAddress, string FromName, string PublicUrl);

/// <summary>The stored settings, the password still sealed.</summary>
internal sealed record SystemMailServer(string Host, int Port, MailSecurity Security, string User, string PasswordSecret,
    string FromAddress, string FromName, string PublicUrl);

/// <summary>
/// Reads and (administrators only) changes the system mail settings. They live as rows of the workspace settings
/// (keys "systemMail.*") rather than a table of their own: there is one of them, and a setting row is what it is.
/// </summary>
public sealed class SystemMailSettings(KithDb db, SecretBox secrets, OutboundAddresses outbound)
{
    public const string PasswordPurpose = "system-mail-password";
    private const string Prefix = "systemMail.";
    private const string HostKey = Prefix + "host", PortKey = Prefix + "port", SecurityKey = Prefix + "security", UserKey = Prefix + "user",
        PasswordKey = Prefix + "password", FromAddressKey = Prefix + "fromAddress", FromNameKey = Prefix + "fromName", PublicUrlKey = Prefix + "publicUrl";

    public async Task<SystemMailView> GetAsync(AccessScope scope, CancellationToken ct)
    {
        if (!scope.IsAdmin) throw new Forbidden("Only an administrator may read the system mail settings.");
        return View(await ReadAsync(ct));
    }

    public async Task<SystemMailView> UpdateAsync(SystemMailInput input, AccessScope scope, CancellationToken ct)
    {
        if (!scope.IsAdmin) throw new Forbidden("Only an administrator may change the system mail settings.");
        var stored = await ReadAsync(ct);
        var errors = new Dictionary<string, string[]>();
        void Bad(string field, string message) => errors[field] = [message];
        var host = (input.Host ?? "").Trim();
        if (host.Length is 0 or > 253 || Uri.CheckHostName(host.TrimStart('[').TrimEnd(']')) == UriHostNameType.Unknown) Bad("host", "host must be a host name such as smtp.example.com.");
        else if (outbound.Refusal(host) is { } refusal) Bad("host", refusal);
        if (input.Port is < 1 or > 65535) Bad("port", "port must be from 1 to 65535 (usually 587 or 465).");
        if (!Enum.IsDefined(input.Security)) Bad("security", "security must be sslOnConnect, startTls or none.");
        var user = (input.User ?? "").Trim();
        if (user.Length > 254 || user.Any(char.IsControl)) Bad("user", "user must be at most 254 characters with no line breaks.");
        var password = input.Password ?? "";
        if (password.Length > 500) Bad("password", "password must be at most 500 characters.");
        var from = (input.FromAddress ?? "").Trim().ToLowerInvariant();
        if (!MailboxInput.IsAddress(from)) Bad("fromAddress", "fromAddress must be an email address such as kith@example.com.");
        var fromName = (input.FromName ?? "").Trim();
        if (fromName.Length > 200) Bad("fromName", "fromName must be at most 200 characters.");
        else if (fromName.Any(char.IsControl)) Bad("fromName", "fromName must be one line: a line break would forge mail headers.");
        var publicUrl = (input.PublicUrl ?? "").Trim().TrimEnd('/');
        if (publicUrl.Length > 500 || !Uri.TryCreate(publicUrl, UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http")
            || url.Query.Length > 0 || url.Fragment.Length > 0)
            Bad("publicUrl", "publicUrl must be Kith's web address, such as https://crm.example.com.");
        if (errors.Count > 0) throw new RuleViolation("The system mail settings are not valid.", errors);

        var sealedPassword = password.Length > 0 ? secrets.Encrypt(password, PasswordPurpose) : stored?.PasswordSecret ?? "";
        await WriteAsync(new Dictionary<string, string>
        {
            [HostKey] = host, [PortKey] = input.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), [SecurityKey] = input.Security.ToString(),
            [UserKey] = user, [PasswordKey] = sealedPassword, [FromAddressKey] = from, [FromNameKey] = fromName, [PublicUrlKey] = publicUrl,
        }, ct);
        return View(await ReadAsync(ct));
    }

    internal string Password(SystemMailServer server) => secrets.Decrypt(server.PasswordSecret, PasswordPurpose);

    /// <summary>The stored settings; null until an administrator saved them.</summary>
    internal async Task<SystemMailServer?> ReadAsync(CancellationToken ct)
    {
        var rows = await db.Settings.AsNoTracking().Where(s => s.Key.StartsWith(Prefix)).ToDictionaryAsync(s => s.Key, s => s.Value, ct);
        string Get(string key) => rows.TryGetValue(key, out var v) ? v : "";
        if (Get(HostKey).Length == 0) return null;
        return new SystemMailServer(Get(HostKey), int.TryParse(Get(PortKey), out var port) ? port : 587,
            Enum.TryParse<MailSecurity>(Get(SecurityKey), out var security) ? security : MailSecurity.StartTls,
            Get(UserKey), Get(PasswordKey), Get(FromAddressKey), Get(FromNameKey), Get(PublicUrlKey));
    }

    private async Task WriteAsync(Dictionary<string, string> values, CancellationToken ct)
    {
        var keys = values.Keys.ToArray();
        var rows = await db.Settings.Where(s => keys.Contains(s.Key)).ToDictionaryAsync(s => s.Key, ct);
        foreach (var (key, value) in values)
        {
            if (rows.TryGetValue(key, out var row)) row.Value = value;
            else db.Settings.Add(new Setting { Key = key, Value = value });
        }
        await db.SaveChangesAsync(ct);
    }

    private static SystemMailView View(SystemMailServer? s) => s is null
        ? new SystemMailView(false, "", 587, MailSecurity.StartTls, "", false, "", "", "")
        : new SystemMailView(true, s.Host, s.Port, s.Security, s.User, s.PasswordSecret.Length > 0, s.FromAddress, s.FromName, s.PublicUrl);
}
