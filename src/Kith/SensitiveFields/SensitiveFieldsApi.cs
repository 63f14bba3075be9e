using Kith.Core.SensitiveFields;
using Kith.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kith.SensitiveFields;

/// <summary>Body of PUT /sensitive-fields/{field}.</summary>
public sealed record SensitiveFieldBody(bool Sensitive);

/// <summary>The sealable fields, their markings and the conversion under way.</summary>
public sealed record SensitiveFieldsView(IReadOnlyList<SensitiveFieldItem> Fields, ConversionProgress? Conversion);

/// <summary>Encryption at rest of sensitive customer fields (admins; ADR-0017).</summary>
internal static class SensitiveFieldsApi
{
    public static RouteGroupBuilder MapSensitiveFields(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/sensitive-fields").RequireAuthorization(KithAuthentication.AdminPolicy).WithTags("Sensitive fields");
        g.MapGet("/", ListAsync).WithName("SensitiveFields")
            .WithSummary("The fields that can be encrypted at rest (phone, birthDate, address, cf.<key> of custom text fields), which are, and the conversion under way.");
        g.MapPut("/{field}", MarkAsync).WithName("MarkSensitiveField").Accepts<SensitiveFieldBody>("application/json")
            .WithSummary("Marks a field sensitive ({ \"sensitive\": true }) or not; stored values are converted in the background, reads stay right throughout.");
        g.MapGet("/keys", KeysAsync).WithName("FieldKeyStatus")
            .WithSummary("The field keys: the active one, and how many stored values each seals (never the keys themselves).");
        return api;
    }

    private static async Task<Ok<SensitiveFieldsView>> ListAsync(MarkSensitiveField mark, SensitiveFieldConversion conversion, CancellationToken ct) =>
        TypedResults.Ok(new SensitiveFieldsView(await mark.ListAsync(ct), conversion.Current));

    private static async Task<Ok<SensitiveFieldsView>> MarkAsync(string field, SensitiveFieldBody body, Caller caller, MarkSensitiveField mark,
        SensitiveFieldConversion conversion, CancellationToken ct)
    {
        await mark.HandleAsync(field, body.Sensitive, await caller.ScopeAsync(ct), ct);
        conversion.Poke();
        return TypedResults.Ok(new SensitiveFieldsView(await mark.ListAsync(ct), conversion.Current));
    }

    private static async Task<Ok<FieldKeyStatus>> KeysAsync(FieldKeys keys, CancellationToken ct) => TypedResults.Ok(await keys.StatusAsync(ct));
}
