using Kith.Core.Tasks;
using Kith.Core.Timeline;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Communications;

public static class CommunicationRegistration
{
    /// <summary>Communications, their channel and outcome lists, attachments, tasks and the customer timeline.</summary>
    public static IServiceCollection AddKithCommunications(this IServiceCollection services)
    {
        services.AddScoped<CommunicationQueries>();
        services.AddScoped<CommunicationChoices>();
        services.AddScoped<LogCommunication>();
        services.AddScoped<UpdateCommunication>();
        services.AddScoped<DeleteCommunication>();
        services.AddScoped<AttachmentStore>();
        services.AddScoped<TaskRules>();
        services.AddScoped<TaskQueries>();
        services.AddScoped<CreateTask>();
        services.AddScoped<UpdateTask>();
        services.AddScoped<DeleteTask>();
        services.AddScoped<CompleteTask>();
        services.AddScoped<SendTaskReminders>();
        services.AddScoped<CustomerTimeline>();
        return services;
    }
}
