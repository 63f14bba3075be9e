using System.Globalization;
using System.Text.Json;
using Kith.Core.History;
using Kith.Core.Infrastructure;
using Microsoft.Extensions.Localization;

namespace Kith.Components.Shared;

/// <summary>How the UI writes values: times in the viewer's culture (UTC stored), JSON custom values as text.</summary>
public static class Texts
{
    public static string When(DateTime utc) =>
        DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC";

    /// <summary>As <see cref="When"/>, with seconds: for the audit trail, where the order of close events matters.</summary>
    public static string WhenToTheSecond(DateTime utc) =>
        DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";

    public static string? Date(DateOnly? date) => date?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string? Json(IReadOnlyDictionary<string, JsonElement> values, string key) =>
        !values.TryGetValue(key, out var v) ? null : v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            _ => v.GetRawText(),
        };

    /// <summary>"Ana (UI)", "Ana (API)", "Import", "Kith": who made a change and how it arrived.</summary>
    public static string Actor(ActorRef actor, IStringLocalizer l)
    {
        var via = actor.Kind switch
        {
            ActorKind.Api => l["API"].Value,
            ActorKind.Import => l["import"].Value,
            ActorKind.Cli => l["command line"].Value,
            ActorKind.System => l["Kith"].Value,
            _ => null,
        };
        if (actor.Name is null) return via ?? l["unknown"].Value;
        return via is null ? actor.Name : $"{actor.Name} ({via})";
    }
}
