using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Tests.Importing;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Tests.Identity;

/// <summary>
/// An import by a user whose role may read the city but not change it writes no city, as a PATCH does not: a column
/// named after it or mapped to it, or a default value for it, is a 400 naming the field before anything is queued;
/// the preview shows the column as not importable; ignoring the column imports the rest and leaves the city as it was.
/// </summary>
public sealed class FieldSecurityInImportsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string File = "externalId,name,city\nWF-1,Wang Fang,Suzhou\nLL-2,Li Lei,Hangzhou\n";

    private static async Task<JsonElement> RefusedAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("errors");
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task AnImportCannotWriteAFieldTheRoleMayOnlyRead(DatabaseProvider provider)
    {
        await using var host = await KithTestHost.StartAsync(provider);
        var (_, admin) = await host.UserWithClientAsync(Role.Admin);
        var (agentId, agent) = await host.UserWithClientAsync(Role.Agent);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/v1/roles/agent/fields", new object[]
        {
            new { entity = "customer", field = "city", restriction = "readOnly" },
        }, KithTestHost.Json, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostJsonAsync("/api/v1/customers",
            new { externalId = "WF-1", name = "Wang Fang", city = "Shanghai", ownerId = agentId })).StatusCode);

        // The preview shows the city column as not importable, and does not offer the field.
        var preview = await agent.PostAsync("/api/v1/imports/customers/preview", FieldSecurityInRelatedDataTests.Csv(File), Ct);
        var previewJson = await preview.JsonAsync();
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        Assert.Equal("city", Assert.Single(previewJson.GetProperty("readOnlyColumns").EnumerateArray()).GetProperty("field").GetString());
        Assert.Equal(JsonValueKind.Null, previewJson.GetProperty("columns")[2].GetProperty("field").ValueKind);
        Assert.DoesNotContain(previewJson.GetProperty("fields").EnumerateArray(), f => f.GetProperty("key").GetString() == "city");

        // Named after the field, mapped to it, or given a default: refused before anything is queued, naming the field.
        Assert.True((await RefusedAsync(await agent.PostAsync("/api/v1/imports/customers", FieldSecurityInRelatedDataTests.Csv(File), Ct))).TryGetProperty("city", out _));
        Assert.True((await RefusedAsync(await agent.PostAsync("/api/v1/imports/customers?map=town=city",
            FieldSecurityInRelatedDataTests.Csv("externalId,name,town\nWF-1,Wang Fang,Suzhou\n"), Ct))).TryGetProperty("city", out _));
        Assert.True((await RefusedAsync(await agent.PostAsync("/api/v1/imports/customers/preview?map=town=city",
            FieldSecurityInRelatedDataTests.Csv("externalId,name,town\nWF-1,Wang Fang,Suzhou\n"), Ct))).TryGetProperty("city", out _));
        Assert.True((await RefusedAsync(await agent.PostAsync("/api/v1/imports/customers?map=city=-&missing=city=default:Beijing", FieldSecurityInRelatedDataTests.Csv(File), Ct)))
            .TryGetProperty("missing.city", out _));
        await using (var db = host.OpenDb())
            Assert.False(await db.ImportJobs.AnyAsync(Ct));

        // With the column ignored, the rest imports and the city stays as it was.
        var started = await agent.PostAsync("/api/v1/imports/customers?map=city=-", FieldSecurityInRelatedDataTests.Csv(File), Ct);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var job = await ImportsApiTests.FinishedAsync(agent, started.Headers.Location!.OriginalString);
        Assert.True(("completed", 1L, 1L) == (job.GetProperty("status").GetString(), job.GetProperty("created").GetInt64(),
            job.GetProperty("updated").GetInt64() + job.GetProperty("merged").GetInt64() + job.GetProperty("unchanged").GetInt64()), job.GetRawText());
        await using (var db = host.OpenDb())
        {
            var cities = await db.Customers.OrderBy(c => c.Name).Select(c => c.City).ToListAsync(Ct);
            Assert.Equal([null, "Shanghai"], cities);
        }

        // The admin's import of the same file is not limited.
        var own = await admin.PostAsync("/api/v1/imports/customers", FieldSecurityInRelatedDataTests.Csv(File), Ct);
        Assert.Equal(HttpStatusCode.Accepted, own.StatusCode);
        Assert.Equal("completed", (await ImportsApiTests.FinishedAsync(admin, own.Headers.Location!.OriginalString)).GetProperty("status").GetString());
    }
}
