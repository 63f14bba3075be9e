using Kith.Core.CustomFields;
using Kith.Core.Infrastructure;
using Kith.Customers;
using Kith.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kith.CustomFields;

/// <summary>/api/v1/custom-fields: everyone may read the definitions (forms and filters need them); only admins change them.</summary>
internal static class CustomFieldsApi
{
    public static RouteGroupBuilder MapCustomFields(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/custom-fields").WithTags("Custom fields");
        g.MapGet("/", ListAsync).WithName("ListCustomFields").WithSummary("The custom fields of customers and companies (entity=customer|company to choose).");
        g.MapPost("/", CreateAsync).WithName("CreateCustomField").Accepts<CustomFieldInput>("application/json").WithSummary("Defines a custom field (admins).");
        g.MapPut("/{id:long}", UpdateAsync).WithName("UpdateCustomField").Accepts<CustomFieldInput>("application/json")
            .WithSummary("Changes a custom field's label, choices, required flag and order (admins).");
        g.MapDelete("/{id:long}", DeleteAsync).WithName("DeleteCustomField").WithSummary("Removes a custom field definition (admins).");
        return api;
    }

    private static async Task<Ok<IReadOnlyList<CustomFieldView>>> ListAsync(string? entity, Caller caller, CustomFieldDefinitions fields, CancellationToken ct)
    {
        CustomFieldEntity? e = entity switch
        {
            null or "" => null,
            _ when Enum.TryParse<CustomFieldEntity>(entity, ignoreCase: true, out var parsed) && !char.IsDigit(entity[0]) => parsed,
            _ => throw RuleViolation.Field("entity", "entity is customer or company."),
        };
        // A custom field hidden from the caller's role is not theirs to know of.
        var access = (await caller.ScopeAsync(ct)).Fields;
        return TypedResults.Ok<IReadOnlyList<CustomFieldView>>(
            (await fields.ListAsync(e, ct)).Where(f => !access.IsHiddenCustom(f.Entity, f.Key)).ToList());
    }

    private static async Task<Created<CustomFieldView>> CreateAsync(HttpRequest request, Caller caller, CustomFieldDefinitions fields, CancellationToken ct)
    {
        var scope = await caller.ScopeAsync(ct);
        if (!scope.IsAdmin) throw new Forbidden("Only an administrator may define custom fields.");
        var input = await RecordApi.ReadBodyAsync<CustomFieldInput>(request, ct);
        var view = await fields.CreateAsync(input, scope, ct);
        return TypedResults.Created($"/api/v1/custom-fields/{view.Id}", view);
    }

    private static async Task<Ok<CustomFieldView>> UpdateAsync(long id, HttpRequest request, Caller caller, CustomFieldDefinitions fields, CancellationToken ct)
    {
        var scope = await caller.ScopeAsync(ct);
        if (!scope.IsAdmin) throw new Forbidden("Only an administrator may change custom fields.");
        var input = await RecordApi.ReadBodyAsync<CustomFieldInput>(request, ct);
        return TypedResults.Ok(await fields.UpdateAsync(id, input, scope, ct));
    }

    private static async Task<NoContent> DeleteAsync(long id, Caller caller, CustomFieldDefinitions fields, CancellationToken ct)
    {
        await fields.DeleteAsync(id, await caller.ScopeAsync(ct), ct);
        return TypedResults.NoContent();
    }
}
