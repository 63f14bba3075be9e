using System.Globalization;
using System.Net;
using Kith.Core.Identity;
using Kith.Core.Mail;

namespace Kith.Core.Tasks;

/// <summary>
/// A task reminder by system mail, in the assignee's language (English or Simplified Chinese), with a link to the
/// task in "my day" and to its customer. Times are UTC, as everywhere in Kith until it has a time zone setting.
/// </summary>
public sealed class TaskReminderMail(ISystemMail mail) : ITaskReminderSender
{
    public Task<bool> IsReadyAsync(CancellationToken ct) => mail.IsConfiguredAsync(ct);

    public async Task SendAsync(TaskDetail task, User assignee, CancellationToken ct)
    {
        var chinese = assignee.Language == "zh-Hans";
        var link = await mail.LinkAsync($"/my-day#task-{task.Id.ToString(CultureInfo.InvariantCulture)}", ct);
        var customerLink = task.CustomerId is { } c ? await mail.LinkAsync($"/customers/{c.ToString(CultureInfo.InvariantCulture)}", ct) : null;
        // The title is the user's own text: one line in the subject, whatever was typed.
        var title = string.Join(' ', task.Title.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();
        var due = task.DueAt is { } d ? d.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC" : null;
        var lines = new List<string>
        {
            chinese ? $"{assignee.DisplayName}，您好：" : $"Hello {assignee.DisplayName},",
            "",
            chinese ? $"提醒：{title}" : $"A reminder: {title}",
        };
        if (due is not null) lines.Add(chinese ? $"截止时间：{due}" : $"Due: {due}");
        if (task.CustomerName is not null) lines.Add(chinese ? $"客户：{task.CustomerName} ({customerLink})" : $"Customer: {task.CustomerName} ({customerLink})");
        if (!string.IsNullOrWhiteSpace(task.Notes)) lines.AddRange(["", task.Notes]);
        lines.AddRange(["", chinese ? $"打开任务：{link}" : $"Open the task: {link}", "", "Kith"]);
        var text = string.Join('\n', lines) + "\n";
        var html = "<p>" + string.Join("<br>\n", lines.Take(lines.Count - 3).Select(WebUtility.HtmlEncode)) + "</p>\n"
                   + $"<p><a href=\"{WebUtility.HtmlEncode(link)}\">{(chinese ? "打开任务" : "Open the task")}</a></p>\n<p>Kith</p>\n";
        var subject = (chinese ? "任务提醒：" : "Reminder: ") + (title.Length > 200 ? title[..200] + "…" : title);
        await mail.SendAsync(assignee.Email, subject, text, html, ct);
    }
}
