using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kith.Core.Communications;

public enum ChoiceKind { Channel, Outcome }

/// <summary>
/// One entry of an admin-managed list: a channel (phone, WeChat, …) or an outcome (resolved, no answer, …). Records
/// keep the key, so disabling an entry hides it from new records while old ones still show it. Keys imported before an
/// entry existed still display as the key itself.
/// </summary>
public sealed class CommunicationChoice
{
    public long Id { get; set; }
    public ChoiceKind Kind { get; set; }
    /// <summary>Lower-case letters, digits and underscores; what records and the API carry.</summary>
    public string Key { get; set; } = "";
    public string NameEn { get; set; } = "";
    public string NameZh { get; set; } = "";
    public bool IsEnabled { get; set; } = true;
    public int SortOrder { get; set; }

    /// <summary>
    /// Adds the built-in entries a database lacks. Entries are never deleted (only disabled), so a missing one was
    /// never there. Seeded at start rather than by HasData, which on PostgreSQL would leave the id sequence behind the
    /// seeded ids and make the first entry an admin adds collide.
    /// </summary>
    public static async Task EnsureDefaultsAsync(Infrastructure.KithDb db, CancellationToken ct)
    {
        var present = (await db.CommunicationChoices.Select(c => new { c.Kind, c.Key }).ToListAsync(ct)).Select(c => (c.Kind, c.Key)).ToHashSet();
        foreach (var c in Defaults.Where(c => !present.Contains((c.Kind, c.Key))))
            db.CommunicationChoices.Add(new CommunicationChoice { Kind = c.Kind, Key = c.Key, NameEn = c.NameEn, NameZh = c.NameZh, IsEnabled = true, SortOrder = c.SortOrder });
        await db.SaveChangesAsync(ct);
    }

    /// <summary>The lists a new workspace starts with.</summary>
    public static IReadOnlyList<CommunicationChoice> Defaults { get; } = Seed();

    private static List<CommunicationChoice> Seed()
    {
        (ChoiceKind Kind, string Key, string En, string Zh)[] rows =
        [
            (ChoiceKind.Channel, "phone", "Phone", "电话"),
            (ChoiceKind.Channel, "email", "Email", "邮件"),
            (ChoiceKind.Channel, "sms", "SMS", "短信"),
            (ChoiceKind.Channel, "wechat", "WeChat", "微信"),
            (ChoiceKind.Channel, "weibo", "Weibo", "微博"),
            (ChoiceKind.Channel, "whatsapp", "WhatsApp", "WhatsApp"),
            (ChoiceKind.Channel, "meeting", "In-person meeting", "面谈"),
            (ChoiceKind.Channel, "video", "Video call", "视频通话"),
            (ChoiceKind.Channel, "chat", "Web chat", "网页聊天"),
            (ChoiceKind.Channel, "note", "Note", "备注"),
            (ChoiceKind.Channel, "other", "Other", "其他"),
            (ChoiceKind.Outcome, "resolved", "Resolved", "已解决"),
            (ChoiceKind.Outcome, "follow_up", "Follow-up needed", "需要跟进"),
            (ChoiceKind.Outcome, "no_answer", "No answer", "无人接听"),
            (ChoiceKind.Outcome, "interested", "Interested", "有意向"),
            (ChoiceKind.Outcome, "not_interested", "Not interested", "无意向"),
            (ChoiceKind.Outcome, "complaint", "Complaint", "投诉"),
            (ChoiceKind.Outcome, "done", "Done", "已完成"),
        ];
        return rows.Select((r, i) => new CommunicationChoice
        {
            Kind = r.Kind, Key = r.Key, NameEn = r.En, NameZh = r.Zh, IsEnabled = true, SortOrder = (i + 1) * 10,
        }).ToList();
    }
}

internal sealed class CommunicationChoiceConfiguration : IEntityTypeConfiguration<CommunicationChoice>
{
    public void Configure(EntityTypeBuilder<CommunicationChoice> b)
    {
        b.Property(c => c.Key).HasMaxLength(50);
        b.Property(c => c.NameEn).HasMaxLength(100);
        b.Property(c => c.NameZh).HasMaxLength(100);
        b.HasIndex(c => new { c.Kind, c.Key }).IsUnique();
    }
}
