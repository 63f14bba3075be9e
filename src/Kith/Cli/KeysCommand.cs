using System.CommandLine;
using Kith.Components.Shared;
using Kith.Core.SensitiveFields;

namespace Kith.Cli;

/// <summary>
/// `kith fields …` marks customer fields sensitive (encrypted at rest) and converts stored values; `kith keys …`
/// rotates and retires the keys they are sealed with (ADR-0017, docs/security.md). Both run on the server, for
/// operators who hold the database and the key file anyway, and may run while `kith serve` does.
/// </summary>
internal static class KeysCommand
{
    public static Command Keys()
    {
        var command = new Command("keys", "Rotate and retire the keys that encrypt sensitive fields (the file field-keys.json, or KITH_FIELD_KEYS).");
        var rotate = new Command("rotate", "Add a new key, make it the one new values are sealed with, and re-seal every sensitive value with it in batches. " +
                                           "Reads keep working throughout (old keys stay until retired); if stopped, run `kith fields convert` to finish.");
        rotate.SetAction((parse, ct) => UsersCommand.RunAsync(parse, ct, async db =>
        {
            var bar = new TerminalProgress("rotate");
            var (id, result) = await Keys(db).RotateAsync(Shown(bar), ct);
            bar.Done();
            Console.Out.WriteLine($"New key {id} is active; {result.Customers:N0} customers and {result.HistoryRows:N0} history rows re-sealed. Check with `kith keys status`, then retire the old key.");
        }));
        var status = new Command("status", "Show the active key and how many stored values each key seals.");
        status.SetAction((parse, ct) => UsersCommand.RunAsync(parse, ct, async db =>
        {
            var s = await Keys(db).StatusAsync(ct);
            Console.Out.WriteLine($"Key file: {s.KeyFile}");
            if (s.ActiveKey is null)
            {
                Console.Out.WriteLine("No key yet: no field has been marked sensitive.");
                return;
            }
            Console.Out.WriteLine($"{"KEY",-6} {"VALUES",10}  STATE");
            foreach (var key in s.Keys)
                Console.Out.WriteLine($"{key,-6} {s.ValuesByKey.GetValueOrDefault(key),10:N0}  {(key == s.ActiveKey ? "active" : "old")}");
            foreach (var (key, count) in s.ValuesByKey.Where(k => !s.Keys.Contains(k.Key)))
                Console.Out.WriteLine($"{key,-6} {count,10:N0}  MISSING from the key file");
            if (s.PlainSensitiveValues > 0)
                Console.Out.WriteLine($"{s.PlainSensitiveValues:N0} values of sensitive fields are not sealed yet: run `kith fields convert`.");
        }));
        var keyId = new Argument<string>("key") { Description = "The key id, as `kith keys status` shows it (k1, k2, …)." };
        var retire = new Command("retire", "Remove an old key from the key file; refused while any value still uses it.");
        retire.Arguments.Add(keyId);
        retire.SetAction((parse, ct) => UsersCommand.RunAsync(parse, ct, async db =>
        {
            await Keys(db).RetireAsync(parse.GetValue(keyId)!, ct);
            Console.Out.WriteLine($"Key {parse.GetValue(keyId)} is retired.");
        }));
        foreach (var sub in new[] { rotate, status, retire }) command.Subcommands.Add(sub);
        return command;
    }

    public static Command Fields()
    {
        var command = new Command("fields", "Mark customer fields sensitive (encrypted at rest, equality filters only) and convert stored values.");
        var list = new Command("list", "List the fields that can be sensitive and which are.");
        list.SetAction((parse, ct) => UsersCommand.RunAsync(parse, ct, async db =>
        {
            foreach (var f in await Mark(db).ListAsync(ct))
                Console.Out.WriteLine($"{f.Field,-24} {(f.Sensitive ? "sensitive" : "plain"),-10} {(f.Converting ? "converting" : "")}");
        }));
        command.Subcommands.Add(list);
        foreach (var (verb, sensitive, about) in new[] { ("mark", true, "Mark a field sensitive and seal its stored values."), ("unmark", false, "Make a field plain again and open its stored values.") })
        {
            var field = new Argument<string>("field") { Description = "phone, birthDate, address, or cf.<key> of a custom text field." };
            var sub = new Command(verb, about);
            sub.Arguments.Add(field);
            sub.SetAction((parse, ct) => UsersCommand.RunAsync(parse, ct, async db =>
            {
                await Mark(db).ByOperatorAsync(parse.GetValue(field)!, sensitive, ct);
                await ConvertAsync(db, ct);
            }));
            command.Subcommands.Add(sub);
        }
        var convert = new Command("convert", "Finish converting stored values to the current markings and the active key (after a stopped mark, unmark or rotation).");
        convert.SetAction((parse, ct) => UsersCommand.RunAsync(parse, ct, db => ConvertAsync(db, ct)));
        command.Subcommands.Add(convert);
        return command;
    }

    private static async Task ConvertAsync(Core.Infrastructure.KithDb db, CancellationToken ct)
    {
        var bar = new TerminalProgress("convert");
        var result = await new ConvertSensitiveValues(db, TimeProvider.System).RunAsync(Shown(bar), ct);
        bar.Done();
        Console.Out.WriteLine($"{result.Customers:N0} customers and {result.HistoryRows:N0} history rows rewritten; every value now follows the markings.");
    }

    private static FieldKeys Keys(Core.Infrastructure.KithDb db) => new(db, new ConvertSensitiveValues(db, TimeProvider.System));

    private static MarkSensitiveField Mark(Core.Infrastructure.KithDb db) => new(db, TimeProvider.System);

    private static ShownProgress<ConversionProgress> Shown(TerminalProgress bar) =>
        new(p => bar.Draw(p.Total == 0 ? 1 : (double)p.Done / p.Total, $"{p.Phase} {p.Done:N0}/{p.Total:N0}", p.Done >= p.Total));
}
