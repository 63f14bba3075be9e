using Kith.Core.Duplicates;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;

namespace Kith.Core.Tests.Duplicates;

public sealed class DuplicateQueriesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<DuplicatePage> ListAsync(DuplicateKit kit, AccessScope scope, DuplicateListRequest request) =>
        kit.RunAsync<DuplicateQueries, DuplicatePage>(q => q.ListAsync(scope, request, Ct));

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task TheListShowsOpenPairsWhoseCustomersAreBothInReachHighestScoreFirstAPageAtATime(DatabaseProvider provider)
    {
        await using var kit = await DuplicateKit.StartAsync(provider);
        var agent = await kit.UserAsync(Role.Agent, "Agent");
        var other = await kit.UserAsync(Role.Agent, "Other");
        var admin = await kit.UserAsync(Role.Admin, "Ada");
        var exact = await kit.CreateAsync(agent, "王小明", "wxm@example.cn", city: "上海");
        var exact2 = await kit.CreateAsync(agent, "王小明", "wxm@example.cn");
        var fuzzy = await kit.CreateAsync(agent, "Emma Schmidt", phone: "13800138001");
        var fuzzy2 = await kit.CreateAsync(agent, "Emma Schmit", phone: "13800138001");
        // A pair across owners: the agent reaches one side only.
        await kit.CreateAsync(agent, "Lucas Martin", "lucas@example.eu");
        await kit.CreateAsync(other, "Lucas Martin", "lucas@example.eu");
        await kit.ScanAsync();

        var all = await ListAsync(kit, admin, new DuplicateListRequest());
        Assert.Equal(3, all.Total);
        var page = await ListAsync(kit, agent, new DuplicateListRequest(Limit: 1));
        Assert.Equal(2, page.Total);
        var first = Assert.Single(page.Items);
        Assert.Equal((exact.Id, exact2.Id), (first.Customer.Id, first.Other.Id));
        Assert.Equal("上海", first.Customer.City);
        Assert.Equal("wxm@example.cn", first.Other.Email);
        Assert.True(first.IsExact);
        Assert.Contains("same email", first.Reasons);
        Assert.NotNull(page.NextCursor);
        var next = await ListAsync(kit, agent, new DuplicateListRequest(Limit: 1, Cursor: page.NextCursor));
        var second = Assert.Single(next.Items);
        Assert.Equal((fuzzy.Id, fuzzy2.Id), (second.Customer.Id, second.Other.Id));
        Assert.True(second.Score < first.Score);
        Assert.Null(next.NextCursor);

        var high = await ListAsync(kit, agent, new DuplicateListRequest(MinScore: 0.9));
        Assert.Equal(exact.Id, Assert.Single(high.Items).Customer.Id);
        var ofOne = await ListAsync(kit, agent, new DuplicateListRequest(CustomerId: fuzzy2.Id));
        Assert.Equal(fuzzy.Id, Assert.Single(ofOne.Items).Customer.Id);

        var wrongCursor = await Assert.ThrowsAsync<RuleViolation>(() => ListAsync(kit, agent, new DuplicateListRequest(MinScore: 0.5, Limit: 1, Cursor: page.NextCursor)));
        Assert.Contains("cursor", wrongCursor.Errors.Keys);
        var damaged = await Assert.ThrowsAsync<RuleViolation>(() => ListAsync(kit, agent, new DuplicateListRequest(Cursor: "not-a-cursor!")));
        Assert.Contains("cursor", damaged.Errors.Keys);
        var score = await Assert.ThrowsAsync<RuleViolation>(() => ListAsync(kit, agent, new DuplicateListRequest(MinScore: 1.5)));
        Assert.Contains("minScore", score.Errors.Keys);
        var limit = await Assert.ThrowsAsync<RuleViolation>(() => ListAsync(kit, agent, new DuplicateListRequest(Limit: 0)));
        Assert.Contains("limit", limit.Errors.Keys);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ADismissedPairLeavesTheListAndAPairOutOfReachIsNotFound(DatabaseProvider provider)
    {
        await using var kit = await DuplicateKit.StartAsync(provider);
        var agent = await kit.UserAsync(Role.Agent, "Agent");
        var stranger = await kit.UserAsync(Role.Agent, "Stranger");
        var viewer = await kit.UserAsync(Role.Viewer, "Viewer");
        var a = await kit.CreateAsync(agent, "李娜", "lina@example.cn");
        var b = await kit.CreateAsync(agent, "李娜", "lina@example.cn");
        await kit.ScanAsync();
        var pair = Assert.Single((await ListAsync(kit, agent, new DuplicateListRequest())).Items);

        await Assert.ThrowsAsync<NotFound>(() => kit.RunAsync<DuplicateQueries, DuplicatePairDetail>(q => q.GetAsync(stranger, pair.Id, Ct)));
        await Assert.ThrowsAsync<NotFound>(() => kit.RunAsync<DismissDuplicate, DuplicatePairDetail>(h => h.HandleAsync(pair.Id, stranger, Ct)));
        await kit.TeamAsync(agent.UserId, viewer.UserId);
        var teamViewer = await kit.ScopeAsync(viewer.UserId);
        await Assert.ThrowsAsync<Forbidden>(() => kit.RunAsync<DismissDuplicate, DuplicatePairDetail>(h => h.HandleAsync(pair.Id, teamViewer, Ct)));

        var detail = await kit.RunAsync<DuplicateQueries, DuplicatePairDetail>(q => q.GetAsync(agent, pair.Id, Ct));
        Assert.Equal((a.Id, b.Id, DuplicateStatus.Open), (detail.Customer.Id, detail.Other.Id, detail.Status));
        var dismissed = await kit.RunAsync<DismissDuplicate, DuplicatePairDetail>(h => h.HandleAsync(pair.Id, agent, Ct));
        Assert.Equal(DuplicateStatus.Dismissed, dismissed.Status);
        Assert.Equal(0, (await ListAsync(kit, agent, new DuplicateListRequest())).Total);
        var stored = Assert.Single(await kit.PairsAsync());
        Assert.Equal(agent.UserId, stored.ResolvedByUserId);
        Assert.Equal(kit.Clock.GetUtcNow().UtcDateTime, stored.ResolvedAt);
        // Dismissing again changes nothing.
        kit.Clock.Advance(TimeSpan.FromHours(1));
        await kit.RunAsync<DismissDuplicate, DuplicatePairDetail>(h => h.HandleAsync(pair.Id, agent, Ct));
        Assert.Equal(stored.ResolvedAt, Assert.Single(await kit.PairsAsync()).ResolvedAt);
    }
}
