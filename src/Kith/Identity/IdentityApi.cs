using System.Text.Json.Serialization;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kith.Identity;

public sealed record ResetPasswordBody([property: JsonRequired] string Password);

public sealed record CreateTeamBody([property: JsonRequired] string Name);

public sealed record RenameTeamBody([property: JsonRequired] string Name);

public sealed record AddTeamMemberBody([property: JsonRequired] long UserId);

public sealed record CreateTokenBody([property: JsonRequired] string Name);

/// <summary>A role's whole policy: PUT replaces it, so every right is required; two-factor sign-in is off when absent.</summary>
public sealed record RolePolicyBody(
    [property: JsonRequired] RecordReach Reach, [property: JsonRequired] bool CanCreate, [property: JsonRequired] bool CanEdit,
    [property: JsonRequired] bool CanDelete, [property: JsonRequired] bool CanAssign, bool RequireMfa = false);

/// <summary>One restricted field of a role: entity customer or company, field such as phone or cf.vip, restriction hidden or readOnly.</summary>
public sealed record FieldRuleBody(
    [property: JsonRequired] Kith.Core.CustomFields.CustomFieldEntity Entity, [property: JsonRequired] string Field,
    [property: JsonRequired] FieldRestriction Restriction);

/// <summary>The token as created: <see cref="Token"/> is the secret and is shown this once.</summary>
public sealed record CreatedToken(long Id, string Name, string Prefix, DateTime CreatedAt, string Token);

/// <summary>Users, roles, teams and API tokens under /api/v1. Users and roles are for admins; teams also for managers.</summary>
internal static class IdentityApi
{
    public static RouteGroupBuilder MapIdentityApi(this RouteGroupBuilder api)
    {
        MapUsers(api.MapGroup("/users").RequireAuthorization(KithAuthentication.AdminPolicy).WithTags("Users"));
        MapRoles(api.MapGroup("/roles").RequireAuthorization(KithAuthentication.AdminPolicy).WithTags("Roles"));
        MapTeams(api.MapGroup("/teams").WithTags("Teams"));
        MapTokens(api.MapGroup("/tokens").WithTags("API tokens"));
        return api;
    }

    private static void MapUsers(RouteGroupBuilder users)
    {
        users.MapGet("/", async (UserAccounts accounts, CancellationToken ct) =>
            TypedResults.Ok(await accounts.ListAsync(ct)));

        users.MapGet("/{id:long}", async (long id, UserAccounts accounts, CancellationToken ct) =>
            TypedResults.Ok(await accounts.GetAsync(id, ct)));

        users.MapPost("/", async (CreateUser request, UserAccounts accounts, CancellationToken ct) =>
        {
            var user = await accounts.CreateAsync(request, ct);
            return TypedResults.Created($"/api/v1/users/{user.Id}", await accounts.GetAsync(user.Id, ct));
        });

        users.MapPatch("/{id:long}", async (long id, UpdateUser request, UserAccounts accounts, CancellationToken ct) =>
            TypedResults.Ok(await accounts.UpdateAsync(id, request, ct)));

        users.MapPost("/{id:long}/password", async (long id, ResetPasswordBody body, UserAccounts accounts, CancellationToken ct) =>
        {
            await accounts.ResetPasswordAsync(id, body.Password, ct);
            return TypedResults.NoContent();
        });

        users.MapPost("/{id:long}/password-reset", async (long id, SendPasswordReset send, CancellationToken ct) =>
            TypedResults.Ok(await send.ByAdminAsync(id, ct)))
            .WithSummary("Mails the user a link to choose a new password (works once, for 30 minutes); 409 when system mail is not set up or the user is disabled.");
    }

    private static void MapRoles(RouteGroupBuilder roles)
    {
        roles.MapGet("/", async (RoleSettings settings, CancellationToken ct) => TypedResults.Ok(await settings.ListAsync(ct)));

        roles.MapPut("/{role}", async (string role, RolePolicyBody body, RoleSettings settings, CancellationToken ct) =>
            TypedResults.Ok(await settings.UpdateAsync(new RolePolicy
            {
                Role = ParseRole(role), Reach = body.Reach, CanCreate = body.CanCreate, CanEdit = body.CanEdit, CanDelete = body.CanDelete, CanAssign = body.CanAssign,
                RequireMfa = body.RequireMfa,
            }, ct)));

        roles.MapGet("/{role}/fields", async (string role, RoleSettings settings, CancellationToken ct) =>
            TypedResults.Ok((await settings.FieldRulesAsync(ParseRole(role), ct)).Select(ToBody)));

        roles.MapPut("/{role}/fields", async (string role, FieldRuleBody[] body, RoleSettings settings, CancellationToken ct) =>
        {
            var rules = body.Select(b => new FieldRule { Entity = b.Entity, Field = b.Field ?? "", Restriction = b.Restriction }).ToList();
            return TypedResults.Ok((await settings.ReplaceFieldRulesAsync(ParseRole(role), rules, ct)).Select(ToBody));
        });
    }

    private static FieldRuleBody ToBody(FieldRule r) => new(r.Entity, r.Field, r.Restriction);

    private static Role ParseRole(string role)
    {
        if (!Enum.TryParse<Role>(role, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed) || int.TryParse(role, out _))
            throw new Kith.Core.Infrastructure.NotFound("Role");
        return parsed;
    }

    private static void MapTeams(RouteGroupBuilder teams)
    {
        teams.MapGet("/", async (Caller caller, TeamRoster roster, CancellationToken ct) =>
            TypedResults.Ok(await roster.ListAsync(await caller.ScopeAsync(ct), ct)));

        teams.MapGet("/{id:long}", async (long id, Caller caller, TeamRoster roster, CancellationToken ct) =>
            TypedResults.Ok(await roster.GetAsync(await caller.ScopeAsync(ct), id, ct)));

        teams.MapPost("/", async (CreateTeamBody body, Caller caller, TeamRoster roster, CancellationToken ct) =>
        {
            var team = await roster.CreateAsync(await caller.ScopeAsync(ct), body.Name, ct);
            return TypedResults.Created($"/api/v1/teams/{team.Id}", team);
        });

        teams.MapPatch("/{id:long}", async (long id, RenameTeamBody body, Caller caller, TeamRoster roster, CancellationToken ct) =>
            TypedResults.Ok(await roster.RenameAsync(await caller.ScopeAsync(ct), id, body.Name, ct)));

        teams.MapDelete("/{id:long}", async (long id, Caller caller, TeamRoster roster, CancellationToken ct) =>
        {
            await roster.DeleteAsync(await caller.ScopeAsync(ct), id, ct);
            return TypedResults.NoContent();
        });

        teams.MapPost("/{id:long}/members", async (long id, AddTeamMemberBody body, Caller caller, TeamRoster roster, CancellationToken ct) =>
            TypedResults.Ok(await roster.AddMemberAsync(await caller.ScopeAsync(ct), id, body.UserId, ct)));

        teams.MapDelete("/{id:long}/members/{userId:long}", async (long id, long userId, Caller caller, TeamRoster roster, CancellationToken ct) =>
        {
            await roster.RemoveMemberAsync(await caller.ScopeAsync(ct), id, userId, ct);
            return TypedResults.NoContent();
        });
    }

    private static void MapTokens(RouteGroupBuilder tokens)
    {
        tokens.MapGet("/", async (long? userId, Caller caller, ApiTokens apiTokens, CancellationToken ct) =>
        {
            var scope = await caller.ScopeAsync(ct);
            if (userId is { } other && other != scope.UserId && !scope.IsAdmin)
                throw new Forbidden("Only administrators may list another user's tokens.");
            return TypedResults.Ok(await apiTokens.ListItemsAsync(userId ?? scope.UserId, ct));
        });

        tokens.MapPost("/", async (CreateTokenBody body, Caller caller, ApiTokens apiTokens, CancellationToken ct) =>
        {
            var (token, secret) = await apiTokens.CreateAsync(caller.UserId, body.Name ?? "", ct);
            return TypedResults.Created($"/api/v1/tokens/{token.Id}", new CreatedToken(token.Id, token.Name, token.Prefix, token.CreatedAt, secret));
        });

        tokens.MapDelete("/{id:long}", async Task<NoContent> (long id, Caller caller, ApiTokens apiTokens, CancellationToken ct) =>
        {
            await apiTokens.RevokeAsync(await caller.ScopeAsync(ct), id, ct);
            return TypedResults.NoContent();
        });
    }
}
