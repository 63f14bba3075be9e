using System.Text;
using System.Text.RegularExpressions;
using Kith.Core.Identity;
using Kith.Core.Importing;
using Kith.Importing;
using Kith.Localization;
using Kith.Tests.Browser;
using Kith.Tests.Exporting;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace Kith.Tests.Importing;

/// <summary>
/// The import screens in a real Chromium against the real host: upload, mapping, preview, the job's progress and
/// result, the refused rows' download and the revert. Also writes the README's import-preview screenshot.
/// </summary>
public sealed partial class ImportBrowserTests
{
    private const string ChineseFile = "姓名,邮箱,手机\n王小明,Wang@Example.com,13800138000\n李娜,不是邮箱,13900139000\n陈静,chen@example.com,\n";

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    private static IPageAssertions Expect(IPage page) => Assertions.Expect(page);

    private static FilePayload Csv(string name, string text) =>
        new() { Name = name, MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(text) };

    [Fact]
    public async Task AnAdminUploadsAChineseHeaderedFileSeesTheMappingAndTheRefusedRowImportsItAndRevertsIt()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var browser = await BrowserSession.StartAsync();
        await using var host = await KithTestHost.StartAsync();
        await host.CreateUserAsync("ada@example.com", Role.Admin, CustomerBrowserTests.Password);

        var page = await browser.NewPageAsync(host.Address);
        await CustomerBrowserTests.SignInAsync(page, "ada@example.com", "/imports");
        await Expect(page.Locator("[data-test=no-imports]")).ToBeVisibleAsync();
        await page.ClickAsync("[data-test=new-import]");
        await Expect(page).ToHaveURLAsync(new Regex("/imports/new$"));
        await CustomerBrowserTests.Interactive(page);

        await ChooseFileAsync(page, Csv("客户.csv", ChineseFile));

        // The mapping step: the Chinese header names were recognised.
        await Expect(page.Locator("[data-test=step-mapping]")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-test=map-0]")).ToHaveAttributeAsync("data-field", "name");
        await Expect(page.Locator("[data-test=map-1]")).ToHaveAttributeAsync("data-field", "email");
        await Expect(page.Locator("[data-test=map-2]")).ToHaveAttributeAsync("data-field", "phone");
        await Expect(page.Locator("[data-test=map-0] [role=combobox]")).ToContainTextAsync("name");
        await Expect(page.Locator("[data-test=map-1]")).ToHaveAttributeAsync("data-column", "邮箱");
        await Expect(page.Locator("[data-test=mapping-check]")).ToContainTextAsync("Checked 3 rows: 1 would be refused.");
        await Expect(page.Locator("[data-test=missing-field]")).ToHaveCountAsync(0);

        // Ignoring the name column makes the file unimportable, and says so; mapping it back clears that.
        await CustomerBrowserTests.ChooseAsync(page, "姓名", "Do not import", page.Locator("[data-test=map-0]"));
        await Expect(page.Locator("[data-test=map-0]")).ToHaveAttributeAsync("data-field", "-");
        await Expect(page.Locator("[data-test=missing-field]")).ToContainTextAsync("name");
        await CustomerBrowserTests.ChooseAsync(page, "姓名", "Name · name *", page.Locator("[data-test=map-0]"));
        await Expect(page.Locator("[data-test=map-0]")).ToHaveAttributeAsync("data-field", "name");
        await Expect(page.Locator("[data-test=missing-field]")).ToHaveCountAsync(0);

        // The preview: cleaned values, the data-quality report and the refused row with its line.
        await page.ClickAsync("[data-test=to-preview]");
        await Expect(page.Locator("[data-test=preview-counts]")).ToContainTextAsync("Checked 3 rows: 1 would be refused");
        // "Flagged" here is a phone kept as typed only: the duplicates the result page counts as flagged come later.
        await Expect(page.Locator("[data-test=preview-counts]")).ToContainTextAsync("duplicates are looked for when the import runs");
        await Expect(page.Locator("[data-test=sample] [data-test=sample-email]").First).ToContainTextAsync("wang@example.com");
        await Expect(page.Locator("[data-test=sample] [data-test=sample-phone]").First).ToContainTextAsync("+8613800138000");
        await Expect(page.Locator("[data-test=quality-count][data-rule='lower-cased']")).ToContainTextAsync("lower-cased: 1");
        var refused = page.Locator("[data-test=refused-rows] tbody tr");
        await Expect(refused).ToHaveCountAsync(1);
        await Expect(refused.Locator("[data-test=refused-line]")).ToHaveTextAsync("3");
        await Expect(refused.Locator("[data-test=refused-column]")).ToHaveTextAsync("邮箱");
        await Expect(page.Locator("[data-test=preview-partial]")).ToHaveCountAsync(0);
        // From the top: a full-page shot of a scrolled page draws the fixed app bar across the middle.
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await CustomerBrowserTests.ScreenshotAsync(page, "import-preview.png");

        // Run it: the job page follows it to the end and shows the result.
        await page.ClickAsync("[data-test=start]");
        await Expect(page).ToHaveURLAsync(new Regex(@"/imports/\d+$"));
        await Expect(page.Locator("[data-test=job-status]")).ToHaveAttributeAsync("data-status", "completed", new() { Timeout = 60_000 });
        await Expect(page.Locator("[data-test=count-created] [data-test=count-value]")).ToHaveTextAsync("2");
        await Expect(page.Locator("[data-test=count-rejected] [data-test=count-value]")).ToHaveTextAsync("1");
        await Expect(page.Locator("[data-test=count-rows] [data-test=count-value]")).ToHaveTextAsync("3");
        await Expect(page.Locator("[data-test=refused-rows] [data-test=refused-line]")).ToHaveTextAsync("3");
        var jobUrl = page.Url;
        var id = long.Parse(jobUrl[(jobUrl.LastIndexOf('/') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        await using (var db = host.OpenDb())
            Assert.Equal(["王小明", "陈静"], await db.Customers.OrderBy(c => c.Id).Select(c => c.Name).ToListAsync(ct));

        // The refused rows download through the sign-in cookie, as the file had them plus the reason.
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("[data-test=download-rejected]"));
        Assert.Equal($"import-{id}-rejected.csv", download.SuggestedFilename);
        var path = Path.Combine(host.Database.Folder, download.SuggestedFilename);
        await download.SaveAsAsync(path);
        var rows = ExportApiTests.Csv(await File.ReadAllBytesAsync(path, ct));
        Assert.Equal(["李娜", "不是邮箱", "13900139000"], Assert.Single(rows.Skip(1))[..3]);

        // Revert, after saying yes: what it created is gone.
        await page.ClickAsync("[data-test=revert]");
        await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Revert import" }).ClickAsync();
        await Expect(page.Locator("[data-test=job-status]")).ToHaveAttributeAsync("data-status", "reverted");
        await Expect(page.Locator("[data-test=revert]")).ToHaveCountAsync(0);
        await using (var db = host.OpenDb())
            Assert.Equal(0, await db.Customers.CountAsync(ct));

        await page.GotoAsync("/imports");
        await CustomerBrowserTests.Interactive(page);
        await Expect(page.Locator("[data-test=import-link]")).ToHaveTextAsync($"#{id}");
        await Expect(page.Locator("[data-test=import-status]")).ToContainTextAsync("Reverted");
    }

    [Fact]
    public async Task AMappingChosenByHandIsSavedAndAppliedToTheNextFileAndADefaultFillsEmptyCells()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var browser = await BrowserSession.StartAsync();
        await using var host = await KithTestHost.StartAsync();
        await host.CreateUserAsync("ada@example.com", Role.Admin, CustomerBrowserTests.Password);
        var page = await browser.NewPageAsync(host.Address);
        await CustomerBrowserTests.SignInAsync(page, "ada@example.com", "/imports/new");

        // No header name is one Kith knows: nothing is mapped and the required name is missing.
        const string file = "who,mailbox,where\nAda Lovelace,ada@example.com,London\nGrace Hopper,grace@example.com,\n";
        await ChooseFileAsync(page, Csv("crm.csv", file));
        await Expect(page.Locator("[data-test=step-mapping]")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-test=map-0]")).ToHaveAttributeAsync("data-field", "-");
        await Expect(page.Locator("[data-test=missing-field]")).ToContainTextAsync("name");

        await CustomerBrowserTests.ChooseAsync(page, "who", "Name · name *", page.Locator("[data-test=map-0]"));
        await CustomerBrowserTests.ChooseAsync(page, "mailbox", "Email · email", page.Locator("[data-test=map-1]"));
        await CustomerBrowserTests.ChooseAsync(page, "where", "City · city", page.Locator("[data-test=map-2]"));
        await Expect(page.Locator("[data-test=map-2]")).ToHaveAttributeAsync("data-field", "city");
        await Expect(page.Locator("[data-test=missing-field]")).ToHaveCountAsync(0);
        await CustomerBrowserTests.Field(page, "template-name").FillAsync("crm export");
        await page.ClickAsync("[data-test=save-template]");
        await Expect(page.Locator(".mud-snackbar")).ToContainTextAsync("Mapping saved as crm export.");

        // An empty city takes the default value, which the preview shows before anything is stored.
        await CustomerBrowserTests.ChooseAsync(page, "When the cell is empty", "Use a default value", page.Locator("[data-test=missing-city]"));
        await CustomerBrowserTests.Field(page, "default-city").FillAsync("上海");
        await page.ClickAsync("[data-test=to-preview]");
        await Expect(page.Locator("[data-test=sample] [data-test=sample-city]").Nth(1)).ToContainTextAsync("上海");
        await Expect(page.Locator("[data-test=quality-count][data-rule='missing (default used)']")).ToContainTextAsync("1");
        await page.ClickAsync("[data-test=start]");
        await Expect(page.Locator("[data-test=job-status]")).ToHaveAttributeAsync("data-status", "completed", new() { Timeout = 60_000 });
        await Expect(page.Locator("[data-test=job-outcome]")).ToContainTextAsync("every row went in");
        await using (var db = host.OpenDb())
            Assert.Equal([("Ada Lovelace", "London"), ("Grace Hopper", "上海")],
                (await db.Customers.OrderBy(c => c.Id).Select(c => new { c.Name, c.City }).ToListAsync(ct)).Select(c => (c.Name, c.City)));

        // The next file of that shape takes the saved mapping.
        await page.ClickAsync("[data-test=import-another]");
        await Expect(page).ToHaveURLAsync(new Regex("/imports/new$"));
        await ChooseFileAsync(page, Csv("crm-2.csv", "who,mailbox,where\nAlan Turing,alan@example.com,Manchester\n"));
        await Expect(page.Locator("[data-test=step-mapping]")).ToBeVisibleAsync();
        await CustomerBrowserTests.ChooseAsync(page, "Apply a saved mapping", "crm export");
        await Expect(page.Locator("[data-test=map-0]")).ToHaveAttributeAsync("data-field", "name");
        await Expect(page.Locator("[data-test=map-1]")).ToHaveAttributeAsync("data-field", "email");
        await Expect(page.Locator("[data-test=map-2]")).ToHaveAttributeAsync("data-field", "city");
    }

    [Fact]
    public async Task AFileKithCannotReadIsRefusedOnTheFirstStepWithTheReason()
    {
        await using var browser = await BrowserSession.StartAsync();
        await using var host = await KithTestHost.StartAsync();
        await host.CreateUserAsync("ada@example.com", Role.Admin, CustomerBrowserTests.Password);
        var page = await browser.NewPageAsync(host.Address);
        await CustomerBrowserTests.SignInAsync(page, "ada@example.com", "/imports/new");

        await ChooseFileAsync(page,
            new FilePayload { Name = "photo.csv", MimeType = "text/csv", Buffer = [0x00, 0x01, 0x02, 0xFF, 0xFE, 0x00, 0x9C, 0x00, 0x00, 0x7F, 0x00, 0x1B] });
        await Expect(page.Locator("[data-test=import-error]")).ToContainTextAsync("Kith cannot read this file");
        await Expect(page.Locator("[data-test=step-file]")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-test=step-2]")).ToBeDisabledAsync();

        // Another file replaces it and the import goes on.
        await ChooseFileAsync(page, Csv("people.csv", "name,email\nAda,ada@example.com\n"));
        await Expect(page.Locator("[data-test=step-mapping]")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-test=import-error]")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task TheImportPagesWorkAtPhoneWidth()
    {
        await using var browser = await BrowserSession.StartAsync();
        await using var host = await KithTestHost.StartAsync();
        await host.CreateUserAsync("ada@example.com", Role.Admin, CustomerBrowserTests.Password);
        var page = await browser.NewPageAsync(host.Address, width: 375, height: 812);
        await CustomerBrowserTests.SignInAsync(page, "ada@example.com", "/imports/new");
        await AssertNoSidewaysScrollAsync(page);

        await ChooseFileAsync(page, Csv("客户.csv", ChineseFile));
        await Expect(page.Locator("[data-test=step-mapping]")).ToBeVisibleAsync();
        await AssertNoSidewaysScrollAsync(page);
        await page.ClickAsync("[data-test=to-preview]");
        await Expect(page.Locator("[data-test=preview-counts]")).ToBeVisibleAsync();
        await AssertNoSidewaysScrollAsync(page);
        await page.ClickAsync("[data-test=start]");
        await Expect(page.Locator("[data-test=job-status]")).ToHaveAttributeAsync("data-status", "completed", new() { Timeout = 60_000 });
        await Expect(page.Locator("[data-test=refused-rows]")).ToBeVisibleAsync();
        await AssertNoSidewaysScrollAsync(page);
        await page.GotoAsync("/imports");
        await CustomerBrowserTests.Interactive(page);
        await Expect(page.Locator("[data-test=import-link]")).ToHaveCountAsync(1);
        await AssertNoSidewaysScrollAsync(page);
    }

    [Fact]
    public void EveryTextOfTheImportScreensHasAChineseTranslation()
    {
        var folder = Path.Combine(RepositoryRoot(), "src", "Kith", "Importing");
        var keys = Directory.EnumerateFiles(folder)
            .Where(p => p.EndsWith(".razor", StringComparison.Ordinal) || p.EndsWith(".cs", StringComparison.Ordinal))
            .Select(File.ReadAllText)
            .SelectMany(text => Localized().Matches(text).Concat(CountLabel().Matches(text)).Select(m => m.Groups[1].Value))
            .ToList();
        // Texts the pages pass to the localizer indirectly.
        keys.AddRange(Enum.GetValues<ImportKind>().SelectMany(k => new[] { ImportTexts.Kind(k), ImportTexts.KindHelp(k) }));
        keys.AddRange(Enum.GetValues<ImportStatus>().Select(ImportTexts.Status));
        keys.AddRange(Enum.GetValues<ImportMode>().Select(ImportTexts.Mode));
        keys.AddRange(Enum.GetValues<DuplicateAction>().Select(ImportTexts.Duplicate));
        keys.AddRange(Enum.GetValues<ImportKind>().SelectMany(k => ImportFieldKeys(k)).Select(ImportTexts.Field));
        keys.AddRange(CleaningRuleWords());
        keys.AddRange(["File", "Columns and options", "Preview", "comma", "semicolon", "tab", "pipe", "Imports"]);
        var missing = keys.Distinct().Where(k => !KithLocalizer.Chinese.ContainsKey(k)).ToList();
        Assert.True(missing.Count == 0, "No Chinese text for: " + string.Join(" | ", missing));
        Assert.True(keys.Distinct().Count() > 150);
    }

    private static IEnumerable<string> ImportFieldKeys(ImportKind kind) =>
        Kith.Core.Importing.Cleaning.ImportFields.For(kind).Select(f => f.Key);

    /// <summary>The words the engine's reports use for its cleaning rules: the screens translate each.</summary>
    private static IEnumerable<string> CleaningRuleWords() =>
        Kith.Core.Importing.Cleaning.CleaningRules.All.Select(Kith.Core.Importing.Cleaning.CleaningRules.Describe);

    /// <summary>Chooses a file once the page's file input listens (data-ready); before that the choice would be lost.</summary>
    internal static async Task ChooseFileAsync(IPage page, FilePayload file)
    {
        var input = page.Locator("[data-test=file-input][data-ready]");
        await Expect(input).ToHaveCountAsync(1);
        await input.SetInputFilesAsync(file);
    }

    private static async Task AssertNoSidewaysScrollAsync(IPage page)
    {
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]");
        Assert.True(widths[0] <= widths[1] + 1, $"The page scrolls sideways: {widths[0]}px of content in {widths[1]}px.");
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Kith.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Kith.slnx not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex("""L\["([^"]+)"[\],]""")]
    private static partial Regex Localized();

    [GeneratedRegex("Count\\(\"[^\"]+\", \"([^\"]+)\"")]
    private static partial Regex CountLabel();
}
