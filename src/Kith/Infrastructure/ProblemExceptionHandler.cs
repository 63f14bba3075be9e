using System.Text.Json;
using Kith.Core.Infrastructure;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Kith.Infrastructure;

/// <summary>
/// The one place that turns exceptions into RFC 9457 problems: rule violations keep their status and per-field
/// messages; unreadable request bodies are 400s that say what was wrong; a full or lost database is a 507 or 503
/// (<see cref="DatabaseFaults"/>); anything else is logged and a bare 500.
/// </summary>
internal sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> log) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        ProblemDetails problem;
        // A body the endpoint binds itself (minimal API parameters) is judged like one read by RecordApi: an unknown
        // field, such as a smuggled "role" or "passwordHash", is named (mass assignment).
        if (exception is BadHttpRequestException { InnerException: JsonException json }) exception = Kith.Customers.RecordApi.FromJson(json);
        switch (exception)
        {
            case RuleViolation rule:
                problem = rule.Errors.Count > 0
                    ? new HttpValidationProblemDetails(rule.Errors.ToDictionary(e => e.Key, e => e.Value)) { Detail = rule.Message }
                    : new ProblemDetails { Detail = rule.Message };
                problem.Status = rule.Status;
                problem.Title = rule.Status switch
                {
                    404 => "Not found",
                    412 => "Version conflict",
                    403 => "Forbidden",
                    409 => "Conflict",
                    _ => "The request is not valid",
                };
                if (rule is Kith.Core.Customers.EmailTaken taken) problem.Extensions["existingId"] = taken.ExistingId;
                break;
            case BadHttpRequestException bad:
                problem = new ProblemDetails
                {
                    Status = bad.StatusCode,
                    Title = "The request is not valid",
                    Detail = DescribeBadRequest(bad),
                };
                break;
            case OperationCanceledException when context.RequestAborted.IsCancellationRequested:
                return true;
            case var _ when DatabaseFaults.Classify(exception) is { } fault:
                log.LogWarning(exception, "{Title} on {Method} {Path}", fault.Title, context.Request.Method, context.Request.Path);
                problem = new ProblemDetails { Status = fault.Status, Title = fault.Title, Detail = fault.Detail };
                if (fault.Status == 503) context.Response.Headers.RetryAfter = "1";
                break;
            default:
                log.LogError(exception, "Unhandled error on {Method} {Path}", context.Request.Method, context.Request.Path);
                problem = new ProblemDetails { Status = 500, Title = "Something went wrong on the server" };
                break;
        }
        context.Response.StatusCode = problem.Status ?? 500;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }

    private static string DescribeBadRequest(BadHttpRequestException bad) => bad.InnerException switch
    {
        JsonException json => $"The JSON body could not be read{(json.Path is { Length: > 0 } p ? $" at {p}" : "")}: {FirstSentence(json.Message)}",
        _ => bad.Message,
    };

    private static string FirstSentence(string message)
    {
        var i = message.IndexOf(". Path:", StringComparison.Ordinal);
        return i > 0 ? message[..i] + "." : message;
    }
}
