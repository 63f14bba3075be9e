using System.Text.Json;
using System.Text.Json.Serialization;
using Kith.Audit;
using Kith.Components;
using Kith.Core.Infrastructure;
using Kith.Localization;
using Microsoft.AspNetCore.Http.Json;
using MudBlazor.Services;
using Scalar.AspNetCore;

using Kith.Identity;

namespace Kith.Infrastructure;

/// <summary>Builds the web host: UI, REST API, OpenAPI and health check over one database.</summary>
public static class KithWebApp
{
    public static WebApplication Build(KithServeOptions options)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(KithWebApp).Assembly.GetName().Name,
            EnvironmentName = options.EnvironmentName,
            ContentRootPath = AppContext.BaseDirectory,
        });
        if (options.OpenId?.Problem() is { } openIdProblem) throw new InvalidOperationException(openIdProblem);
        builder.WebHost.UseUrls(options.Urls);
        var certificate = ServerCertificate.Load(options);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = 10 * 1024 * 1024;
            if (certificate is not null) k.ConfigureHttpsDefaults(h => h.ServerCertificate = certificate);
        });
        // Serves the component library's CSS and JS from the build output as well as from a publish folder.
        builder.WebHost.UseStaticWebAssets();
        if (options.QuietLogs)
        {
            builder.Logging.ClearProviders();
        }
        // EF Core logs every SQL statement at Information; a server log is for requests, warnings and errors.
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore.Database.Command", LogLevel.Warning);
        // Render Chinese and other scripts as characters, not numeric entities; HTML-significant characters stay encoded.
        builder.Services.Configure<Microsoft.Extensions.WebEncoders.WebEncoderOptions>(o =>
            o.TextEncoderSettings = new System.Text.Encodings.Web.TextEncoderSettings(System.Text.Unicode.UnicodeRanges.All));

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddKithDatabase(options.Database);
        builder.Services.AddSingleton(new OutboundAddresses(options.AllowMailHosts));
        builder.Services.AddKithCore();
        builder.Services.ConfigureHttpJsonOptions(o => ConfigureJson(o.SerializerOptions));
        builder.Services.AddHiddenFieldsJson();
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        // Parameters that cannot be bound (a body with an unknown field) throw, so ProblemExceptionHandler says which.
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddOpenApi();
        builder.Services.AddKithAuthentication();
        if (options.OpenId is { } openId) builder.Services.AddKithOpenIdSignIn(openId);
        builder.Services.AddKithProxyTrust(options.TrustedProxies);
        builder.Services.AddKithApiRateLimits(options.ApiLimits);
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices();
        builder.Services.AddScoped<CircuitCaller>();
        builder.Services.AddSingleton<Kith.Importing.ImportSignal>();
        builder.Services.AddHostedService<Kith.Importing.ImportWorker>();
        builder.Services.AddHostedService<Kith.Segments.SegmentWorker>();
        builder.Services.AddHostedService<Kith.Predictions.PredictionWorker>();
        builder.Services.AddSingleton<Kith.Mail.MailSyncSignal>();
        builder.Services.AddHostedService<Kith.Mail.MailSyncWorker>();
        builder.Services.AddHostedService<Kith.Behavior.BehaviorWorker>();
        builder.Services.AddHostedService<Kith.Tasks.TaskReminderWorker>();
        builder.Services.AddSingleton(sp => new JobLocks(options.Database) { RetryEvery = options.JobLockRetry });
        builder.Services.AddHostedService<Kith.Backups.BackupWorker>();
        builder.Services.AddKithDataProtection();
        builder.Services.AddHostedService<Kith.Privacy.RetentionWorker>();
        builder.Services.AddHostedService<Kith.Audit.AuditRetentionWorker>();
        builder.Services.AddSingleton<Kith.SensitiveFields.SensitiveFieldConversion>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Kith.SensitiveFields.SensitiveFieldConversion>());
        builder.Services.AddKithLocalization();
        builder.Services.AddHealthChecks();

        var app = builder.Build();
        app.UseKithProxyTrust(options.TrustedProxies);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseSecurityHeaders();
        app.MapStaticAssets();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAuditWho();
        app.UseRequestLocalization();
        app.UseAntiforgery();

        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapScalarApiReference("/api/reference").AllowAnonymous();
        app.MapHealthz();
        var api = app.MapGroup("/api/v1").RequireAuthorization(KithAuthentication.ApiPolicy);
        api.MapKithApi();
        app.MapKithAccountEndpoints();
        if (options.OpenId is not null) app.MapKithOpenIdSignIn();
        Kith.Exporting.ExportEndpoints.MapExportDownloads(app);
        Kith.Importing.ImportDownloads.MapImportDownloads(app);
        Kith.Analytics.AnalyticsApi.MapAnalyticsDownloads(app);
        Kith.Communications.CommunicationsApi.MapAttachmentDownloads(app);
        Kith.Backups.BackupDownloads.MapBackupDownloads(app);
        Kith.Privacy.PrivacyApi.MapPersonalDataDownloads(app);
        Kith.Audit.AuditApi.MapAuditDownloads(app);
        Kith.Feedback.FeedbackApi.MapFeedbackDownloads(app);
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }

    /// <summary>camelCase, enums as camelCase strings, and unknown members refused so a typo is a 400, not a silent no-op.</summary>
    public static void ConfigureJson(JsonSerializerOptions o)
    {
        o.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        o.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        o.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        o.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
    }

    /// <summary>Creates or upgrades the database, then (with --demo) fills an empty one.</summary>
    public static async Task PrepareDatabaseAsync(WebApplication app, CancellationToken ct = default)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KithDb>();
        var bar = new Kith.Cli.SearchIndexBar();
        await DatabaseInitializer.MigrateAsync(db, bar, ct);
        bar.Done();
        if (app.Services.GetRequiredService<KithServeOptions>().Demo)
            await new Kith.Core.Demo.GenerateDemoData(db, app.Services.GetRequiredService<TimeProvider>()).RunAsync(ct: ct);
    }
}
