using Kith.Core.Privacy;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Feedback;

public static class FeedbackRegistration
{
    public static IServiceCollection AddKithFeedback(this IServiceCollection services)
    {
        services.AddScoped<FeedbackQueries>();
        services.AddPersonalDataPart<FeedbackPersonalData>();
        services.AddScoped<RecordFeedback>();
        services.AddScoped<SummarizeFeedback>();
        services.AddScoped<SendSurvey>();
        services.AddScoped<AnswerSurvey>();
        return services;
    }
}
