using System.CommandLine;
using Kith.Core.Identity;

namespace Kith.Cli;

/// <summary>`kith tokens …`: API tokens for scripts and integrations. A new token is printed once, as the last line.</summary>
internal static class TokensCommand
{
    public static Command Build()
    {
        var command = new Command("tokens", "Create, list and revoke API tokens (sent as `Authorization: Bearer TOKEN`).");
        command.Subcommands.Add(Create());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Revoke());
        return command;
    }

    private static Option<string> UserOption() => new("--user") { Description = "Email of the user the token acts as.", Required = true };

    private static Command Create()
    {
        var user = UserOption();
        var name = new Option<string>("--name") { Description = "What the token is for, e.g. \"nightly import\".", Required = true };
        // No sign-in and so no second factor here: the command runs on the server as an operator who can read the
        // database and the secret key anyway. A token of a user whose role requires two-factor sign-in is refused by
        // the API until that user has set it up.
        var command = new Command("create", "Create a token; it carries the user's rights and is printed once, as the last line of output. For operators on the server: it asks for no sign-in.");
        command.Options.Add(user);
        command.Options.Add(name);
        command.SetAction((parse, ct) => UsersCommand.RunAsync(parse, ct, async db =>
        {
            var owner = await UsersCommand.FindAsync(new UserAccounts(db, TimeProvider.System), parse.GetValue(user)!, ct);
            var (token, secret) = await new ApiTokens(db, TimeProvider.System).CreateAsync(owner.Id, parse.GetValue(name)!, ct);
            Console.Out.WriteLine($"Created token {token.Id} \"{token.Name}\" for {owner.Email}. It is shown only now; store it safely:");
            Console.Out.WriteLine(secret);
        }));
        return command;
    }

    private static Command List()
    {
        var user = UserOption();
        var command = new Command("list", "List a user's tokens (never the secrets).");
        command.Options.Add(user);
        command.SetAction((parse, ct) => UsersCommand.RunAsync(parse, ct, async db =>
        {
            var owner = await UsersCommand.FindAsync(new UserAccounts(db, TimeProvider.System), parse.GetValue(user)!, ct);
            var tokens = await new ApiTokens(db, TimeProvider.System).ListItemsAsync(owner.Id, ct);
            if (tokens.Count == 0)
            {
                Console.Out.WriteLine($"{owner.Email} has no tokens.");
                return;
            }
            Console.Out.WriteLine($"{"ID",-6} {"PREFIX",-14} {"CREATED",-17} {"LAST USED",-17} {"STATUS",-8} NAME");
            foreach (var t in tokens)
                Console.Out.WriteLine($"{t.Id,-6} {t.Prefix + "…",-14} {t.CreatedAt:yyyy-MM-dd HH:mm} {(t.LastUsedAt is { } used ? used.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) : "never"),-17} {(t.RevokedAt is null ? "active" : "revoked"),-8} {t.Name}");
        }));
        return command;
    }

    private static Command Revoke()
    {
        var id = new Argument<long>("id") { Description = "The token's id, as `kith tokens list` shows it." };
        var command = new Command("revoke", "Revoke a token; it is refused from the next request on.");
        command.Arguments.Add(id);
        command.SetAction((parse, ct) => UsersCommand.RunAsync(parse, ct, async db =>
        {
            await new ApiTokens(db, TimeProvider.System).RevokeAsync(parse.GetValue(id), ct);
            Console.Out.WriteLine($"Token {parse.GetValue(id)} is revoked.");
        }));
        return command;
    }
}
