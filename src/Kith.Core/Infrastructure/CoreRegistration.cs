using Kith.Core.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Infrastructure;

public static class CoreRegistration
{
    /// <summary>Registers the use cases and queries of every feature. Each feature adds its lines here.</summary>
    public static IServiceCollection AddKithCore(this IServiceCollection services)
    {
        services.AddKithIdentity();
        Kith.Core.Customers.RecordRegistration.AddKithRecords(services);
        Kith.Core.Importing.ImportRegistration.AddKithImports(services);
        services.AddScoped<Kith.Core.Purchases.PurchaseQueries>();
        Kith.Core.Communications.CommunicationRegistration.AddKithCommunications(services);
        Kith.Core.Exporting.ExportRegistration.AddKithExporting(services);
        Kith.Core.Duplicates.DuplicateRegistration.AddKithDuplicates(services);
        Kith.Core.Segments.SegmentRegistration.AddKithSegments(services);
        Kith.Core.Predictions.PredictionRegistration.AddKithPredictions(services);
        Kith.Core.Analytics.AnalyticsRegistration.AddKithAnalytics(services);
        Kith.Core.Mail.MailRegistration.AddKithMail(services);
        Kith.Core.Cases.CaseRegistration.AddKithCases(services);
        Kith.Core.Behavior.BehaviorRegistration.AddKithEventIngestion(services);
        Kith.Core.Behavior.BehaviorRegistration.AddKithBehavior(services);
        Kith.Core.Backups.BackupRegistration.AddKithBackups(services);
        Kith.Core.Privacy.PrivacyRegistration.AddKithPrivacy(services);
        Kith.Core.Audit.AuditRegistration.AddKithAudit(services);
        Kith.Core.Feedback.FeedbackRegistration.AddKithFeedback(services);
        return services;
    }
}
