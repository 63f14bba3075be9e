using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Kith.Core.Identity;
using Kith.Importing;
using Kith.Localization;
using Kith.Tests.Identity;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Tests.Importing;

/// <summary>
/// The importer's messages in the Chinese UI: every reason a real import gives for a dirty file has a Chinese sentence
/// that keeps the value, and the job page shows them so. The engine's English stays in the report and the API.
/// </summary>
[Collection("Console")]
public sealed class ImportMessagesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly KithLocalizer L = new();

    [Fact]
    public async Task EveryReasonARealImportGivesForADirtyFileHasAChineseSentence()
    {
        await using var database = await ImportCommandTests.DataFolderAsync();
        var customers = ImportCommandTests.Write(database, "customers.csv",
            "customer_id,name,email,phone,age,birth date,gender,tags,owner\n"
            + "C1,Ann,not-an-email,,,,,,\n"
            + "C2,Bo,,call me,,,,,\n"
            + "C3,Cy,,12,,,,,\n"
            + "C4,Di,,,abc,,,,\n"
            + "C5,Ed,,,200,,,,\n"
            + "C6,Flo,,,,31.02.2024,,,\n"
            + "C7,Gus,,,,2024,,,\n"
            + "C8,Hal,,,,,robot,,\n"
            + "C9,,,,,,,,\n"
            + "C1,Ann again,,,,,,,\n"
            + "C10,Ida,,,,,,,nobody@example.com\n"
            + $"C11,Jo,,,,,,{new string('t', 120)},\n"
            + "C12,Kim,,,34.5,,,,\n"
            + "C13,Lu,,,,not a date,,,\n"
            + "C20,Valid,,,,,,,\n");
        var purchases = ImportCommandTests.Write(database, "purchases.csv",
            "order_id,customer_id,order_time,amount\n"
            + "O1,NOBODY,2024-03-05T10:00:00Z,10\n"
            + "O2,,2024-03-05T10:00:00Z,10\n"
            + "O3,C20,2024-03-05T10:00:00Z,\"12,50\"\n"
            + "O4,C20,2024-03-05T10:00:00Z,\n"
            + "O5,C20,,10\n"
            + "O6,C20,yesterday,10\n"
            + "O7,C20,2024-03-05T10:00:00Z,10000000000000\n");
        var events = ImportCommandTests.Write(database, "events.csv",
            "event_id,customer_id,event_type,behavior_time\n"
            + "E1,C20,,2024-03-05T10:00:00Z\n"
            + "E7,C20,!!,2024-03-05T10:00:00Z\n"
            + "E2,C20,access,1960-01-01T00:00:00Z\n"
            + "E3,C20,access,2099-01-01T00:00:00Z\n"
            + ",C20,access,2024-03-05T10:00:00Z\n"
            + "E5,C20,access,2024-03-05T10:00:00Z\n"
            + "E5,C20,access,2024-03-05T10:00:00Z\n");

        var messages = new List<string>();
        foreach (var (kind, file) in new[] { ("customers", customers), ("purchases", purchases), ("events", events) })
        {
            var report = Path.Combine(database.Folder, kind + ".json");
            var run = await ImportCommandTests.RunAsync("import", kind, file, "--report", report, "--data", database.Folder, "--region", "CN");
            Assert.True(run.Code == 3, run.Error + run.Out);
            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(report, Ct));
            messages.AddRange(json.RootElement.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("message").GetString()!));
        }
        // Kith ids, from this install's own export: malformed, of a record that does not exist, and contradicted.
        var exported = Path.Combine(database.Folder, "export.csv");
        var export = await ImportCommandTests.RunAsync("export", "customers", exported, "--user", "admin@example.com", "--no-bom", "--filter", "externalId eq C20", "--columns", "kithId,externalId", "--data", database.Folder);
        Assert.True(export.Code == 0, export.Error + export.Out);
        var kithId = File.ReadAllLines(exported)[1].Split(',')[0];
        var mark = kithId[kithId.IndexOf('@', StringComparison.Ordinal)..];
        var kithIds = ImportCommandTests.Write(database, "kithids.csv", $"kithId,customer_id,name\nabc,,X\n999999{mark},,Y\n{kithId},C99,Z\n");
        var kithReport = Path.Combine(database.Folder, "kithids.json");
        var kithRun = await ImportCommandTests.RunAsync("import", "customers", kithIds, "--report", kithReport, "--data", database.Folder);
        Assert.True(kithRun.Code == 3, kithRun.Error + kithRun.Out);
        using (var json = JsonDocument.Parse(await File.ReadAllTextAsync(kithReport, Ct)))
            messages.AddRange(json.RootElement.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("message").GetString()!));

        // Files Kith cannot read, and a file that maps no name.
        foreach (var (name, content) in new[] { ("empty.csv", ""), ("quote.csv", "name,email\n\"Ann,ann@example.com\n"), ("noname.csv", "email\nann@example.com\n") })
        {
            var run = await ImportCommandTests.RunAsync("import", "customers", ImportCommandTests.Write(database, name, content), "--data", database.Folder);
            Assert.True(run.Code == 1, run.Error + run.Out);
            // "Import #4 (customers): failed." and, on the next line, why.
            messages.Add(run.Out.Split('\n', StringSplitOptions.TrimEntries)[1]);
        }

        Assert.True(messages.Count >= 28, string.Join("\n", messages));
        var untranslated = messages.Distinct().Where(m => Chinese(m) is null).ToList();
        Assert.True(untranslated.Count == 0, "No Chinese sentence for:\n" + string.Join("\n", untranslated));
    }

    private static string? Chinese(string message)
    {
        using var zh = new UiCulture("zh-Hans");
        return ImportMessages.TryChinese(message, L);
    }

    [Theory]
    [InlineData("'not-an-email' is not an email address.", "'not-an-email' 不是有效的邮箱地址。")]
    [InlineData("email or phone is required.", "邮箱或电话为必填项。")]
    [InlineData("no such date: '31.02.2024' (read as day/month/year).", "不存在的日期：'31.02.2024'（按日/月/年读取）。")]
    [InlineData("line 2, column 1: a quote opens a field here and is never closed", "第 2 行第 1 列：这里的引号开始了一个字段，但一直没有闭合")]
    [InlineData("The external id 'C1' appears again; it was first on line 2.", "外部编号 'C1' 重复出现，它首次出现在第 2 行。")]
    [InlineData("'+1 555' is not a valid phone number in CN; kept as typed.", "'+1 555' 在 CN 不是有效的电话号码，已按原样保留。")]
    [InlineData("The Kith id '42@3f9a1c0b7d2e' is the customer with the external id 'C1', not 'C2'.", "Kith 编号 '42@3f9a1c0b7d2e' 对应的是外部编号为 'C1' 的客户，而不是 'C2'。")]
    public void AMessageKeepsItsValueLineAndFieldInChinese(string english, string chinese)
    {
        using (new UiCulture("zh-Hans"))
            Assert.Equal(chinese, ImportMessages.Localize(english, L));
        using (new UiCulture("en"))
            Assert.Equal(english, ImportMessages.Localize(english, L));
    }

    [Fact]
    public void AMessageOfAnUnknownShapeStaysWholeInEnglish()
    {
        using (new UiCulture("zh-Hans"))
            Assert.Equal("A reason nobody wrote a shape for.", ImportMessages.Localize("A reason nobody wrote a shape for.", L));
    }

    [Fact]
    public async Task TheChineseJobPageShowsTheRefusedRowsReasonsInChineseAndTheApiKeepsTheEnglish()
    {
        await using var host = await KithTestHost.StartAsync();
        var (_, api) = await host.UserWithClientAsync(Role.Admin, "ada@example.com");
        var upload = new StringContent("customer_id,name,email\nC1,Ann,ann@example.com\nC2,Bo,不是邮箱\n", Encoding.UTF8);
        upload.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        var started = await api.PostAsync("/api/v1/imports/customers?fileName=c.csv", upload, Ct);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var id = (await started.JsonAsync()).GetProperty("id").GetInt64();
        for (var status = ""; status != "completed"; await Task.Delay(100, Ct))
        {
            status = (await (await api.GetAsync($"/api/v1/imports/{id}", Ct)).JsonAsync()).GetProperty("status").GetString()!;
            Assert.DoesNotContain(status, new[] { "failed", "cancelled" });
        }

        // Ada reads Kith in Chinese (her profile's language).
        await using (var db = host.OpenDb())
            await db.Users.Where(u => u.Email == "ada@example.com").ExecuteUpdateAsync(u => u.SetProperty(x => x.Language, "zh-Hans"), Ct);
        var browser = await host.SignedInClientAsync("ada@example.com");
        var html = WebUtility.HtmlDecode(await browser.GetStringAsync($"/imports/{id}", Ct));
        Assert.Contains("'不是邮箱' 不是有效的邮箱地址。", html);
        Assert.DoesNotContain("is not an email address", html);

        var errors = await (await api.GetAsync($"/api/v1/imports/{id}/report", Ct)).Content.ReadAsStringAsync(Ct);
        Assert.Contains("'不是邮箱' is not an email address.", errors);
    }

    private sealed class UiCulture : IDisposable
    {
        private readonly CultureInfo _before = CultureInfo.CurrentUICulture;

        public UiCulture(string name) => CultureInfo.CurrentUICulture = new CultureInfo(name);

        public void Dispose() => CultureInfo.CurrentUICulture = _before;
    }
}
