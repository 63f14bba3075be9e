using System.Net;
using System.Text.Json;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Predictions;
using Kith.Tests.Infrastructure;

namespace Kith.Tests.Predictions;

/// <summary>Churn risk and expected value as fields of the customer list API: sort keys, item values and export columns.</summary>
public sealed class ScoreSortApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task TheListSortsByScoresPageByPageWithTheUnscoredLastAndCarriesThemOnItsItems(DatabaseProvider provider)
    {
        await using var host = await KithTestHost.StartAsync(provider);
        var (_, owner) = await host.UserWithClientAsync(Role.Agent);
        var (_, outsider) = await host.UserWithClientAsync(Role.Agent);
        async Task<long> Create(HttpClient client, string name) =>
            (await (await client.PostJsonAsync("/api/v1/customers", new { name })).JsonAsync()).GetProperty("id").GetInt64();
        var ann = await Create(owner, "Ann");
        var bo = await Create(owner, "Bo");
        var cy = await Create(owner, "Cy");
        await Create(owner, "Di");
        var other = await Create(outsider, "Out of reach");
        await using (var db = host.OpenDb())
        {
            // Bo and Cy share a risk; Cy has no value score; Di is not scored; the riskiest is out of reach.
            db.CustomerScores.AddRange(
                new CustomerScore { CustomerId = ann, ChurnRisk = 0.3, ExpectedValueMicros = 100_000_000, ComputedAt = DateTime.UtcNow },
                new CustomerScore { CustomerId = bo, ChurnRisk = 0.7, ExpectedValueMicros = 50_000_000, ComputedAt = DateTime.UtcNow },
                new CustomerScore { CustomerId = cy, ChurnRisk = 0.7, ComputedAt = DateTime.UtcNow },
                new CustomerScore { CustomerId = other, ChurnRisk = 0.99, ExpectedValueMicros = 1, ComputedAt = DateTime.UtcNow });
            await db.SaveChangesAsync(Ct);
        }

        async Task<List<JsonElement>> Pages(string sort)
        {
            var items = new List<JsonElement>();
            string? cursor = null;
            do
            {
                var response = await owner.GetAsync($"/api/v1/customers?sort={sort}&limit=2" + (cursor is null ? "" : "&cursor=" + cursor), Ct);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var page = await response.JsonAsync();
                Assert.Equal(4, page.GetProperty("total").GetInt64());
                items.AddRange(page.GetProperty("items").EnumerateArray());
                cursor = page.GetProperty("nextCursor").GetString();
            } while (cursor is not null);
            return items;
        }
        static string Names(List<JsonElement> items) => string.Join(" ", items.Select(i => i.GetProperty("name").GetString()));

        // Two pages of two: the tie of Cy and Bo is broken by id, the unscored come last in both directions (among
        // themselves in id order, the sort's direction).
        var riskiest = await Pages("-churnRisk");
        Assert.Equal("Cy Bo Ann Di", Names(riskiest));
        Assert.Equal("Ann Bo Cy Di", Names(await Pages("churnRisk")));
        Assert.Equal("Ann Bo Di Cy", Names(await Pages("-expectedValue")));
        Assert.Equal("Bo Ann Cy Di", Names(await Pages("expectedValue")));
        var scores = riskiest.Select(i => i.GetProperty("scores")).ToList();
        Assert.Equal((0.7, JsonValueKind.Null), (scores[0].GetProperty("churnRisk").GetDouble(), scores[0].GetProperty("expectedValue").ValueKind));
        Assert.Equal(100m, scores[2].GetProperty("expectedValue").GetDecimal());
        Assert.Equal(JsonValueKind.Null, scores[3].ValueKind);

        var export = await owner.GetStringAsync("/api/v1/customers/export?format=csv&bom=false&sort=-churnRisk&columns=name,churnRisk,expectedValue", Ct);
        Assert.Equal(["name,churnRisk,expectedValue", "Cy,0.7,", "Bo,0.7,50", "Ann,0.3,100", "Di,,"], export.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n'));

        var refused = await owner.GetAsync("/api/v1/customers?sort=-churnRiskiness", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("churnRisk, expectedValue", (await refused.JsonAsync()).GetProperty("errors").GetProperty("sort")[0].GetString());
    }
}
