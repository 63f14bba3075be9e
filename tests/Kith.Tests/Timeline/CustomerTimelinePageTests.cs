using System.Net;
using Kith.Core.Behavior;
using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Tests.Identity;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Tests.Timeline;

/// <summary>The customer page's timeline as the server renders it.</summary>
public sealed class CustomerTimelinePageTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task BehaviourOnTheTimelineNamesTheStandardEventTypesInTheViewersLanguage()
    {
        await using var host = await KithTestHost.StartAsync();
        var adminId = await host.CreateUserAsync("ada@example.com", Role.Admin);
        var ann = await host.CreateCustomerAsync(adminId, new CustomerInput { Name = "Ann" });
        await using (var db = host.OpenDb())
        {
            (await db.Users.SingleAsync(u => u.Id == adminId, Ct)).Language = "zh-Hans";
            var yesterday = DateTime.UtcNow.Date.AddDays(-1).AddHours(9);
            db.BehaviorEvents.AddRange(
                new BehaviorEvent { EventId = "v1", CustomerId = ann, Type = "access", OccurredAt = yesterday, Page = "/pricing" },
                new BehaviorEvent { EventId = "c1", CustomerId = ann, Type = "add_to_cart", OccurredAt = yesterday });
            await db.SaveChangesAsync(Ct);
            await new BehaviorRollup(db, TimeProvider.System).CatchUpAsync(Ct);
        }
        var chinese = host.Browser();
        await CookieSessions.SubmitLoginAsync(chinese, "ada@example.com", CookieSessions.Password);

        var page = WebUtility.HtmlDecode(await chinese.GetStringAsync($"/customers/{ann}", Ct));

        // A visit is 访问 as on the Behaviour card, not the key "access"; a type of the business's own stays as sent.
        Assert.Contains("当天 1 次 访问", page);
        Assert.DoesNotContain("次 access", page);
        Assert.Contains("当天 1 次 add_to_cart", page);
    }
}
