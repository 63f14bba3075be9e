using Kith.Core.Communications;

namespace Kith.Core.Tests.Communications;

public sealed class RichTextTests
{
    [Theory]
    [InlineData("<p>Hi <script>alert(1)</script>there</p>", "<p>Hi there</p>")]
    [InlineData("<img src=\"https://x.test/a.png\" onerror=\"alert(1)\">", "<img src=\"https://x.test/a.png\">")]
    [InlineData("<a href=\"javascript:alert(1)\">x</a>", "<a rel=\"noopener noreferrer nofollow\" target=\"_blank\">x</a>")]
    [InlineData("<p style=\"background:url(https://x.test/t)\">t</p>", "<p>t</p>")]
    public void Removes_what_can_run_or_load(string html, string expected) =>
        Assert.Equal(expected, RichText.Sanitize(html));

    [Fact]
    public void Keeps_formatting_and_links_readable()
    {
        var safe = RichText.Sanitize("<p><b>Order</b> <a href=\"https://shop.test/o/1\">#1</a></p><ul><li>one</li></ul>");
        Assert.Contains("<b>Order</b>", safe);
        Assert.Contains("href=\"https://shop.test/o/1\"", safe);
        Assert.Contains("<li>one</li>", safe);
    }
}
