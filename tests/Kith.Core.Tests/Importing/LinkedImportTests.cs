using Kith.Core.Communications;
using Kith.Core.Importing;
using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Tests.Importing;

/// <summary>Purchases, communications and events: linked to their customer, refused with line and column when it is unknown.</summary>
public sealed class LinkedImportTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task RowsOfUnknownCustomersAreRefusedWithLineAndColumnOrCreateTheCustomerWhenAsked(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name,email", "C1,Ann,ann@example.com", "C2,Bo,"), admin);
        var header = "order_id,customer_id,customer email,order_time,product,quantity,unit_price,amount,currency";
        var file = kit.Csv(header,
            "O1,C1,,2024-01-01T10:00:00Z,Pro plan,2,29.00,,cny",
            "O2,,ann@example.com,2024-01-02 08:30,Headset,1,59,59,",
            "O3,C404,,2024-01-03,Webcam,1,,79.5,",
            "O4,,nobody@example.com,2024-01-04,Webcam,1,,79.5,",
            "O5,C404,,2024-01-05,Webcam,1,,1.25,");

        var refused = await kit.ImportAsync(ImportKind.Purchases, file, admin);
        Assert.Equal((2L, 3L), (refused.Created, refused.Rejected));
        Assert.Equal([(4, "customer_id"), (5, "customer email"), (6, "customer_id")], refused.Errors.Select(e => (e.Line, e.Column)));
        Assert.Contains("C404", refused.Errors[0].Message);
        Assert.Equal(3, refused.Summary!.UnknownCustomers);
        await using (var db = kit.Open())
        {
            var ann = (await kit.CustomerAsync("C1")).Id;
            var stored = await db.Purchases.AsNoTracking().OrderBy(p => p.OrderId).ToListAsync(Ct);
            Assert.All(stored, p => Assert.Equal(ann, p.CustomerId));
            Assert.Equal((58m, 29m, "CNY"), (stored[0].Amount, stored[0].UnitPrice, stored[0].Currency));
            Assert.Equal(new DateTime(2024, 1, 2, 8, 30, 0, DateTimeKind.Utc), stored[1].OrderedAt);
        }

        var created = await kit.ImportAsync(ImportKind.Purchases, file, admin, new ImportOptions { CreateMissingCustomers = true });
        Assert.Equal((2L, 2L, 1L), (created.Created, created.Unchanged, created.Rejected));
        Assert.Equal(1, created.Summary!.CustomersCreated);
        Assert.Equal(5, Assert.Single(created.Errors).Line);
        var newcomer = await kit.CustomerAsync("C404");
        Assert.Equal(("C404", created.JobId), (newcomer.Name, newcomer.ImportJobId));
        await using (var db = kit.Open())
            Assert.Equal(2, await db.Purchases.CountAsync(p => p.CustomerId == newcomer.Id, Ct));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task TheSameOrderIdTwiceInOneFileIsRefusedTheSecondTimeEvenAcrossBatches(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name", "C1,Ann"), admin);
        var rows = Enumerable.Range(1, ImportRunner.BatchSize + 10).Select(i => $"O{i},C1,2024-01-01,{i}").ToList();
        rows.Insert(3, "O2,C1,2024-01-01,999");
        rows.Add("O7,C1,2024-01-01,999");
        var report = await kit.ImportAsync(ImportKind.Purchases, kit.Csv("order_id,customer_id,order_time,amount", [.. rows]), admin);
        Assert.Equal((ImportRunner.BatchSize + 10L, 2L), (report.Created, report.Rejected));
        Assert.Equal((5, "order_id"), (report.Errors[0].Line, report.Errors[0].Column));
        Assert.Contains("line 3", report.Errors[0].Message);
        Assert.Equal(rows.Count + 1, report.Errors[1].Line);
        await using var db = kit.Open();
        Assert.Equal(2m, (await db.Purchases.SingleAsync(p => p.OrderId == "O2", Ct)).Amount);
        Assert.Equal(7m, (await db.Purchases.SingleAsync(p => p.OrderId == "O7", Ct)).Amount);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task AnEventFileIsHeldToTheEventsApisIdsAndTimesSoImportingItAgainCountsNothingTwice(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name", "C1,Ann"), admin);
        var file = kit.Csv("event_id,customer_id,event_type,behavior_time,page",
            "E1,C1,access,2024-01-01T10:00:00Z,/a",
            ",C1,access,2024-01-01T10:01:00Z,/b",
            "E3,C1,Page View,2024-01-01T10:02:00Z,",
            "E4,C1,Like,2024-01-01T10:03:00Z,",
            "E5,C404,access,2099-01-01T00:00:00Z,",
            "E6,C1,access,2099-01-01T00:00:00Z,",
            "E7,C1,access,1969-12-31T23:59:59Z,",
            "E8,C404,access,2024-01-01T10:05:00Z,");

        for (var run = 1; run <= 2; run++)
        {
            var report = await kit.ImportAsync(ImportKind.Events, file, admin);
            Assert.Equal([(3, "event_id"), (6, "behavior_time"), (7, "behavior_time"), (8, "behavior_time")],
                report.Errors.Select(e => (e.Line, e.Column)));
            Assert.Contains("eventId is required", report.Errors[0].Message);
            Assert.Contains("2099-01-01T00:00:00Z is more than a day in the future", report.Errors[1].Message);
            Assert.Contains("before 1970", report.Errors[3].Message);
            Assert.Equal(run == 1 ? (3L, 0L) : (0L, 4L), (report.Created, report.Unchanged));
        }
        await using (var db = kit.Open())
        {
            Assert.Equal(["access", "page_view", "like"], await db.BehaviorEvents.OrderBy(e => e.EventId).Select(e => e.Type).ToListAsync(Ct));
            Assert.Equal("E8", (await db.PendingEvents.SingleAsync(Ct)).EventId);
        }

        var withoutIds = await kit.ImportAsync(ImportKind.Events, kit.Csv("customer_id,event_type,behavior_time", "C1,access,2024-01-02T10:00:00Z"), admin);
        Assert.Equal("failed", withoutIds.Status);
        Assert.Contains("eventId", withoutIds.Error);
        await using (var db = kit.Open())
            Assert.Equal(3, await db.BehaviorEvents.CountAsync(Ct));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task CommunicationsAndEventsKeepTheirTextAndTimesAndLinkThroughAMergedCustomersId(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name,email", "C1,Ann,ann@example.com", "C2,Ann B,ann@example.com"), admin);
        var ann = await kit.CustomerAsync("C1");
        Assert.Equal(ann.Id, (await kit.CustomerAsync("C2")).MergedIntoId);

        var talks = await kit.ImportAsync(ImportKind.Communications, kit.File(
            "communication_id,customer_id,channel,direction,communication_time,subject,content,outcome\n" +
            "M1,C2,WeChat,inbound,2024-02-01T09:00:00Z,Re: ticket 1,\"Customer said: \"\"the invoice, again, is wrong\"\"\nSecond line\",resolved\n" +
            "M2,C1,phone,呼出,2024-02-02T09:00:00+08:00,,客户反馈：产品很好用,\n"), admin);
        Assert.Equal((2L, 0L), (talks.Created, talks.Rejected));
        var events = await kit.ImportAsync(ImportKind.Events, kit.Csv("event_id,customer_id,event_type,behavior_time,page",
            "E1,C2,Access,2024-02-03T10:00:00Z,/pricing", "E2,C1,like,2024-02-03T11:00:00Z,"), admin);
        Assert.Equal((2L, 0L), (events.Created, events.Rejected));

        await using var db = kit.Open();
        var stored = await db.Communications.AsNoTracking().OrderBy(c => c.ExternalId).ToListAsync(Ct);
        Assert.All(stored, c => Assert.Equal(ann.Id, c.CustomerId));
        Assert.Equal("Customer said: \"the invoice, again, is wrong\"\nSecond line", stored[0].Content);
        Assert.Equal(("wechat", Direction.Inbound, "resolved"), (stored[0].Channel, stored[0].Direction, stored[0].Outcome));
        Assert.Equal((Direction.Outbound, new DateTime(2024, 2, 2, 1, 0, 0, DateTimeKind.Utc)), (stored[1].Direction, stored[1].OccurredAt));
        var stream = await db.BehaviorEvents.AsNoTracking().OrderBy(e => e.EventId).ToListAsync(Ct);
        Assert.All(stream, e => Assert.Equal(ann.Id, e.CustomerId));
        Assert.Equal(("access", "/pricing"), (stream[0].Type, stream[0].Page));
        Assert.Null(stream[1].Page);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ExternalIdsThatLookLikeNumbersLinkToTheirOwnCustomerLeadingZerosSignsAndLengthIncluded(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        string[] ids = ["7", "007", "0", "00", "70", "-7", "+7", "7.0", "123456789012345678", "1234567890123456789", "99999999999999999999"];
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name,email", [.. ids.Select((id, i) => $"{id},Person {i},p{i}@example.com"),
            "42,Merged,p0@example.com"]), admin);
        Assert.Equal((await kit.CustomerAsync("7")).Id, (await kit.CustomerAsync("42")).MergedIntoId);

        var events = await kit.ImportAsync(ImportKind.Events, kit.Csv("event_id,customer_id,event_type,behavior_time",
            [.. ids.Select((id, i) => $"E{i},{id},access,2024-02-03T10:00:00Z"), "E42,42,access,2024-02-03T10:00:00Z", "EX,8,access,2024-02-03T10:00:00Z"]), admin);
        Assert.Equal((ids.Length + 1L, 0L, 1L, ""), (events.Created, events.Rejected, events.Summary!.PendingEvents, string.Join("; ", events.Errors.Select(e => $"{e.Line} {e.Message}"))));
        var created = await kit.ImportAsync(ImportKind.Purchases, kit.Csv("order_id,customer_id,order_time,amount", "O1,9,2024-01-01,1", "O2,9,2024-01-02,2"),
            admin, new ImportOptions { CreateMissingCustomers = true });
        Assert.Equal((2L, 1L), (created.Created, created.Summary!.CustomersCreated));

        await using var db = kit.Open();
        var owners = await db.BehaviorEvents.AsNoTracking().Join(db.Customers, e => e.CustomerId, c => c.Id, (e, c) => new { e.EventId, c.ExternalId })
            .ToDictionaryAsync(x => x.EventId!, x => x.ExternalId, Ct);
        Assert.Equal(ids.Length + 1, owners.Count);
        for (var i = 0; i < ids.Length; i++) Assert.Equal(ids[i], owners[$"E{i}"]);
        Assert.Equal("7", owners["E42"]);
        var nine = (await kit.CustomerAsync("9")).Id;
        Assert.Equal(2, await db.Purchases.CountAsync(p => p.CustomerId == nine, Ct));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task BulkStoredValuesReadBackAsSaveChangesWouldStoreThemEmptyTextAndFractionsOfSecondsIncluded(DatabaseProvider provider)
    {
        await using var kit = await ImportKit.StartAsync(provider);
        var admin = await kit.AdminAsync();
        await kit.ImportAsync(ImportKind.Customers, kit.Csv("customer_id,name", "C1,Ann"), admin);
        // No product column: the purchase is stored with an empty product, which must stay text, not NULL.
        var bought = await kit.ImportAsync(ImportKind.Purchases, kit.Csv("order_id,customer_id,order_time,quantity,amount",
            "O1,C1,2024-01-01T10:00:00.25Z,2,19.99"), admin);
        Assert.Equal((1L, 0L), (bought.Created, bought.Rejected));
        var events = await kit.ImportAsync(ImportKind.Events, kit.Csv("event_id,customer_id,event_type,behavior_time,page",
            "E1,C1,access,2024-02-03T10:00:00.123456Z,/pricing"), admin);
        Assert.Equal((1L, 0L), (events.Created, events.Rejected));

        await using var db = kit.Open();
        var purchase = await db.Purchases.AsNoTracking().SingleAsync(Ct);
        Assert.Equal(("", 2.0, 19.99m, new DateTime(2024, 1, 1, 10, 0, 0, 250, DateTimeKind.Utc)),
            (purchase.Product, purchase.Quantity, purchase.Amount, purchase.OrderedAt));
        Assert.Equal(1, await db.Purchases.CountAsync(p => p.Product == "" && p.OrderedAt > new DateTime(2024, 1, 1, 10, 0, 0, DateTimeKind.Utc), Ct));
        var e = await db.BehaviorEvents.AsNoTracking().SingleAsync(Ct);
        Assert.Equal(new DateTime(2024, 2, 3, 10, 0, 0, DateTimeKind.Utc).AddTicks(1_234_560), e.OccurredAt);
        // Compared in SQL, so the stored text must sort as EF writes it.
        Assert.Equal(1, await db.BehaviorEvents.CountAsync(x => x.OccurredAt > new DateTime(2024, 2, 3, 10, 0, 0, DateTimeKind.Utc), Ct));
    }
}
