namespace Kith.Infrastructure;

internal static class ApiRoutes
{
    /// <summary>Every feature's REST endpoints under /api/v1; one line per feature.</summary>
    public static RouteGroupBuilder MapKithApi(this RouteGroupBuilder api)
    {
        Kith.Identity.IdentityApi.MapIdentityApi(api);
        Kith.Customers.RecordRoutes.MapKithRecords(api);
        Kith.Exporting.ExportEndpoints.MapExportApi(api);
        Kith.Duplicates.DuplicatesApi.MapDuplicates(api);
        Kith.Importing.ImportsApi.MapImports(api);
        Kith.Purchases.PurchasesApi.MapCustomerActivity(api);
        Kith.Segments.SegmentsApi.MapSegments(api);
        Kith.Predictions.PredictionsApi.MapPredictions(api);
        Kith.Analytics.AnalyticsApi.MapAnalytics(api);
        Kith.Mail.MailApi.MapMail(api);
        Kith.Behavior.EventsApi.MapEvents(api);
        Kith.Communications.CommunicationsApi.MapCommunications(api);
        Kith.Timeline.TimelineApi.MapTimeline(api);
        Kith.Tasks.TasksApi.MapTasks(api);
        Kith.Cases.CasesApi.MapCases(api);
        Kith.Privacy.PrivacyApi.MapPrivacy(api);
        Kith.Audit.AuditApi.MapAudit(api);
        Kith.SensitiveFields.SensitiveFieldsApi.MapSensitiveFields(api);
        Kith.Mail.SystemMailApi.MapSystemMail(api);
        Kith.Feedback.FeedbackApi.MapFeedback(api);
        return api;
    }
}
