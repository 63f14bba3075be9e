using System.Net;
using System.Text.RegularExpressions;
using Kith.Tests.Infrastructure;

namespace Kith.Tests.Identity;

/// <summary>Signs in the way a browser does: GET the form, read its antiforgery token, POST it back.</summary>
public static partial class CookieSessions
{
    public const string Password = "correct horse battery staple";
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<HttpClient, CookieContainer> s_jars = new();

    /// <summary>A client that keeps cookies and does not follow redirects, like a browser whose steps a test can see.</summary>
    public static HttpClient Browser(this KithTestHost host)
    {
        var jar = new CookieContainer();
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = jar }) { BaseAddress = host.Address };
        s_jars.Add(client, jar);
        return client;
    }

    /// <summary>The browser's cookies as a Cookie header, to replay them from another client.</summary>
    public static string CookieHeader(this HttpClient browser, Uri address) =>
        s_jars.TryGetValue(browser, out var jar) ? jar.GetCookieHeader(address) : throw new InvalidOperationException("Not a Browser() client.");

    /// <summary>The hidden antiforgery field of the form on <paramref name="path"/>.</summary>
    public static async Task<string> FormTokenAsync(HttpClient client, string path)
    {
        var html = await client.GetStringAsync(path);
        var match = TokenField().Match(html);
        Assert.True(match.Success, $"{path} has no antiforgery field.");
        return WebUtility.HtmlDecode(match.Groups[1].Success ? match.Groups[1].Value : match.Groups[2].Value);
    }

    public static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string path, string handler, IDictionary<string, string> fields, string? formPath = null)
    {
        var token = await FormTokenAsync(client, formPath ?? path);
        var body = new Dictionary<string, string>(fields) { ["_handler"] = handler, ["__RequestVerificationToken"] = token };
        return await client.PostAsync(path, new FormUrlEncodedContent(body));
    }

    public static Task<HttpResponseMessage> SubmitLoginAsync(HttpClient client, string email, string password, string path = "/account/login") =>
        PostFormAsync(client, path, "login", new Dictionary<string, string> { ["Input.Email"] = email, ["Input.Password"] = password });

    /// <summary>A client holding the sign-in cookie of the user.</summary>
    public static async Task<HttpClient> SignedInClientAsync(this KithTestHost host, string email, string password = Password)
    {
        var client = host.Browser();
        var response = await SubmitLoginAsync(client, email, password);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect || response.StatusCode == HttpStatusCode.Found,
            $"Sign-in answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return client;
    }

    [GeneratedRegex("""name="__RequestVerificationToken"\s+value="([^"]+)"|value="([^"]+)"\s+name="__RequestVerificationToken""")]
    private static partial Regex TokenField();
}
