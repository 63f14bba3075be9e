using MudBlazor;

namespace Kith.Components.Layout;

internal static class KithTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#2f5d8a",
            Secondary = "#c2571a",
            AppbarBackground = "#24476b",
        },
        Typography = new Typography
        {
            // Latin first, then the common Chinese UI faces, so names in either script render with a proper font.
            Default = new DefaultTypography
            {
                FontFamily = ["Roboto", "Helvetica Neue", "Arial", "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", "WenQuanYi Micro Hei", "sans-serif"],
            },
        },
    };
}
