namespace Kith.Core.Privacy;

/// <summary>The purposes a consent is recorded for: three built in, more defined by an admin.</summary>
public static class ConsentPurposes
{
    public const string MarketingEmail = "marketing_email";
    public const string Sms = "sms";
    public const string Tracking = "tracking";

    public static IReadOnlyList<string> BuiltIn { get; } = [MarketingEmail, Sms, Tracking];

    public static async Task<IReadOnlyList<ConsentPurpose>> AllAsync(PrivacySettings settings, CancellationToken ct) =>
        [new(MarketingEmail, "Marketing email"), new(Sms, "SMS"), new(Tracking, "Website tracking"), .. (await settings.GetAsync(ct)).Purposes];
}
