using System.Text.Json;
using Kith.Core.Customers;
using MudBlazor;

namespace Kith.Customers;

/// <summary>English texts (localizer keys) and colours of customer values, shared by the list and the detail page.</summary>
public static class CustomerTexts
{
    public static string Stage(LifecycleStage stage) => stage switch
    {
        LifecycleStage.Lead => "Lead",
        LifecycleStage.Prospect => "Prospect",
        LifecycleStage.Customer => "Customer",
        _ => "Churned",
    };

    public static string Gender(Gender gender) => gender switch
    {
        Core.Customers.Gender.Female => "Female",
        Core.Customers.Gender.Male => "Male",
        _ => "Other",
    };

    public static Color StageColor(LifecycleStage stage) => stage switch
    {
        LifecycleStage.Lead => Color.Info,
        LifecycleStage.Prospect => Color.Warning,
        LifecycleStage.Customer => Color.Success,
        _ => Color.Default,
    };

    /// <summary>The value's name in the API and the filter language.</summary>
    public static string Api<T>(T value) where T : struct, Enum => JsonNamingPolicy.CamelCase.ConvertName(value.ToString());
}
