using System.CommandLine;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;

namespace Kith.Cli;

/// <summary>
/// `kith users …`: the first administrator on a fresh install, and user administration without the web UI.
/// Passwords come only from standard input, never from arguments, which other users of the machine can read.
/// </summary>
internal static class UsersCommand
{
    public static Command Build()
    {
        var command = new Command("users", "Add, list and change the people who sign in to Kith.");
        command.Subcommands.Add(Add());
        command.Subcommands.Add(List());
        command.Subcommands.Add(SetDisabled("disable", true, "Disable a user: their browser sessions and API tokens stop working at once."));
        command.Subcommands.Add(SetDisabled("enable", false, "Enable a disabled user again."));
        command.Subcommands.Add(SetRole());
        command.Subcommands.Add(ResetPassword());
        return command;
    }

    private static Argument<string> EmailArgument() => new("email") { Description = "The user's email address." };

    private static Option<bool> PasswordStdin() => new("--password-stdin")
    {
        Description = "Read the password from the first line of standard input (required: passwords are never taken as arguments).",
    };

    private static Option<Role> RoleOption(bool required) => new("--role")
    {
        Description = "admin, manager, agent or viewer.",
        Required = required,
        CustomParser = r => ParseRole(r.Tokens.Single().Value, r),
    };

    private static Role ParseRole(string text, System.CommandLine.Parsing.ArgumentResult result)
    {
        if (Enum.TryParse<Role>(text, ignoreCase: true, out var role) && Enum.IsDefined(role) && !int.TryParse(text, out _)) return role;
        result.AddError($"'{text}' is not a role; use admin, manager, agent or viewer.");
        return default;
    }

    private static Command Add()
    {
        var email = EmailArgument();
        var role = RoleOption(required: true);
        var name = new Option<string?>("--name") { Description = "Display name (default: the part of the email before @)." };
        var language = new Option<string?>("--language") { Description = "UI language: en (default) or zh-Hans." };
        var stdin = PasswordStdin();
        var command = new Command("add", "Create a user. Example: echo 'a long pass phrase' | kith users add ada@example.com --role admin --password-stdin");
        command.Arguments.Add(email);
        command.Options.Add(role);
        command.Options.Add(name);
        command.Options.Add(language);
        command.Options.Add(stdin);
        command.SetAction((parse, ct) => RunAsync(parse, ct, async db =>
        {
            var password = ReadPassword(parse.GetValue(stdin));
            var user = await new UserAccounts(db, TimeProvider.System).CreateAsync(new CreateUser
            {
                Email = parse.GetValue(email)!, Role = parse.GetValue(role), DisplayName = parse.GetValue(name),
                Language = parse.GetValue(language), Password = password,
            }, ct);
            Console.Out.WriteLine($"Created {user.Role.ToString().ToLowerInvariant()} {user.Email} (id {user.Id}).");
        }));
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "List users: id, email, role, status, display name.");
        command.SetAction((parse, ct) => RunAsync(parse, ct, async db =>
        {
            var users = await new UserAccounts(db, TimeProvider.System).ListAsync(ct);
            if (users.Count == 0)
            {
                Console.Out.WriteLine("No users yet. Create the first administrator with: kith users add EMAIL --role admin --password-stdin");
                return;
            }
            var width = Math.Max(5, users.Max(u => u.Email.Length));
            Console.Out.WriteLine($"{"ID",-6} {"EMAIL".PadRight(width)} {"ROLE",-8} {"STATUS",-8} NAME");
            foreach (var u in users)
                Console.Out.WriteLine($"{u.Id,-6} {u.Email.PadRight(width)} {u.Role.ToString().ToLowerInvariant(),-8} {(u.Disabled ? "disabled" : "active"),-8} {u.DisplayName}");
        }));
        return command;
    }

    private static Command SetDisabled(string verb, bool disabled, string description)
    {
        var email = EmailArgument();
        var command = new Command(verb, description);
        command.Arguments.Add(email);
        command.SetAction((parse, ct) => RunAsync(parse, ct, async db =>
        {
            var accounts = new UserAccounts(db, TimeProvider.System);
            var user = await FindAsync(accounts, parse.GetValue(email)!, ct);
            await accounts.UpdateAsync(user.Id, new UpdateUser { Disabled = disabled }, ct);
            Console.Out.WriteLine($"{user.Email} is now {(disabled ? "disabled" : "active")}.");
        }));
        return command;
    }

    private static Command SetRole()
    {
        var email = EmailArgument();
        var role = new Argument<Role>("role")
        {
            Description = "admin, manager, agent or viewer.",
            CustomParser = r => ParseRole(r.Tokens.Single().Value, r),
        };
        var command = new Command("set-role", "Change a user's role; their browser sessions end so the new rights apply at once.");
        command.Arguments.Add(email);
        command.Arguments.Add(role);
        command.SetAction((parse, ct) => RunAsync(parse, ct, async db =>
        {
            var accounts = new UserAccounts(db, TimeProvider.System);
            var user = await FindAsync(accounts, parse.GetValue(email)!, ct);
            var updated = await accounts.UpdateAsync(user.Id, new UpdateUser { Role = parse.GetValue(role) }, ct);
            Console.Out.WriteLine($"{updated.Email} is now {updated.Role.ToString().ToLowerInvariant()}.");
        }));
        return command;
    }

    private static Command ResetPassword()
    {
        var email = EmailArgument();
        var stdin = PasswordStdin();
        var command = new Command("reset-password", "Set a new password for a user (read from standard input); their browser sessions end.");
        command.Arguments.Add(email);
        command.Options.Add(stdin);
        command.SetAction((parse, ct) => RunAsync(parse, ct, async db =>
        {
            var accounts = new UserAccounts(db, TimeProvider.System);
            var user = await FindAsync(accounts, parse.GetValue(email)!, ct);
            await accounts.ResetPasswordAsync(user.Id, ReadPassword(parse.GetValue(stdin)), ct);
            Console.Out.WriteLine($"The password of {user.Email} was changed.");
        }));
        return command;
    }

    internal static async Task<User> FindAsync(UserAccounts accounts, string email, CancellationToken ct) =>
        await accounts.FindByEmailAsync(email, ct) ?? throw new RuleViolation($"There is no user with the email {UserAccounts.NormalizeEmail(email)}.");

    private static string ReadPassword(bool fromStdin)
    {
        if (!fromStdin)
            throw new RuleViolation("Pass --password-stdin and send the password on standard input; passwords are never taken as arguments.");
        var line = Console.In.ReadLine();
        if (line is null) throw new RuleViolation("No password arrived on standard input.");
        return line.TrimEnd('\r', '\n');
    }

    /// <summary>Opens the database named by the global options, runs the work, and prints rule violations as errors.</summary>
    internal static async Task<int> RunAsync(ParseResult parse, CancellationToken ct, Func<KithDb, Task> work)
    {
        try
        {
            await using var db = await KithCommandLine.OpenDatabaseAsync(parse, ct);
            await work(db);
            return 0;
        }
        catch (RuleViolation rule)
        {
            await Console.Error.WriteLineAsync($"kith: {rule.Message}");
            foreach (var (field, messages) in rule.Errors)
                foreach (var message in messages.Where(m => m != rule.Message))
                    await Console.Error.WriteLineAsync($"  {field}: {message}");
            return 1;
        }
    }
}
