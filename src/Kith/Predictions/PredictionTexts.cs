using Kith.Core.Predictions;
using Microsoft.Extensions.Localization;

namespace Kith.Predictions;

/// <summary>A reason for a churn risk in the reader's language: the same templates as the API's English texts.</summary>
internal static class PredictionTexts
{
    public static string Reason(IStringLocalizer l, ScoreReason reason)
    {
        var (template, args) = ScoreReasons.Template(reason);
        return l[template, args];
    }
}
