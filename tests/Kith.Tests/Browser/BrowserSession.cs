using Microsoft.Playwright;

namespace Kith.Tests.Browser;

/// <summary>
/// Chromium from the system (/usr/bin/chromium) driven by Playwright: Playwright's own browser download is not
/// available on build machines without network, and its driver ships in the build output under .playwright.
/// </summary>
public sealed class BrowserSession : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;

    private BrowserSession(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Browser = browser;
    }

    public IBrowser Browser { get; }

    /// <summary>Starts Chromium, or skips the test with the reason when it is not installed.</summary>
    public static async Task<BrowserSession> StartAsync()
    {
        var path = Environment.GetEnvironmentVariable("KITH_CHROMIUM") ?? ChromiumPath;
        if (!File.Exists(path))
            Assert.Skip($"Chromium is not installed at {path} (set KITH_CHROMIUM to another path); the browser tests need it.");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = path,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-sync",
            ],
        });
        return new BrowserSession(playwright, browser);
    }

    public async Task<IPage> NewPageAsync(Uri baseAddress, int width = 1366, int height = 900)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseAddress.ToString().TrimEnd('/'),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Locale = "en-US",
        });
        context.SetDefaultTimeout(20_000);
        // Expect(…) waits 5 s by default; a busy CI machine can take longer to connect a circuit or render a chart.
        Assertions.SetDefaultExpectTimeout(20_000);
        var page = await context.NewPageAsync();
        return page;
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
    }
}
