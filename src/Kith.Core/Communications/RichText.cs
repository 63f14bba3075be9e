using Ganss.Xss;

namespace Kith.Core.Communications;

/// <summary>
/// Rich text that came from outside (an HTML email, a note typed in the editor, an integration) made safe to show:
/// formatting, links and images stay; scripts, event handlers, styles that can load resources and
/// <c>javascript:</c>/<c>data:</c> URLs go. Every HTML body is passed through here before it is stored.
/// </summary>
public static class RichText
{
    private static readonly HtmlSanitizer s_sanitizer = Create();

    public static string Sanitize(string html) => s_sanitizer.Sanitize(html);

    private static HtmlSanitizer Create()
    {
        var s = new HtmlSanitizer();
        s.AllowedSchemes.Clear();
        foreach (var scheme in new[] { "http", "https", "mailto", "tel" }) s.AllowedSchemes.Add(scheme);
        s.AllowedAttributes.Remove("style");
        s.AllowedTags.Remove("form");
        s.AllowDataAttributes = false;
        // Links open outside Kith and never tell the target where they came from.
        s.PostProcessNode += (_, e) =>
        {
            if (e.Node is AngleSharp.Html.Dom.IHtmlAnchorElement a)
            {
                a.SetAttribute("rel", "noopener noreferrer nofollow");
                a.SetAttribute("target", "_blank");
            }
        };
        return s;
    }
}
