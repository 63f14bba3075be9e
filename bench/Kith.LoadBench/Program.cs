using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

// Kith.LoadBench: the load test of docs/benchmarks.md. N concurrent clients (default 64) for S seconds (default 60)
// send a mix of reads and writes to one or more running `kith serve` nodes through the REST API with a bearer token,
// spread over the nodes client by client, and print per operation the request count, errors and p50/p95/p99.
//   Kith.LoadBench --urls http://127.0.0.1:5091[,http://127.0.0.1:5092] --token TOKEN [--clients 64] [--seconds 60]
// Exit code 1 when any answer was a 5xx (or the connection failed), so a script can stop on it.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var opts = new Dictionary<string, string>();
for (var i = 0; i + 1 < args.Length; i += 2) opts[args[i].TrimStart('-')] = args[i + 1];
if (!opts.ContainsKey("urls") || !opts.ContainsKey("token"))
{
    Console.Error.WriteLine("usage: Kith.LoadBench --urls URL[,URL...] --token TOKEN [--clients 64] [--seconds 60]");
    return 2;
}
var urls = opts["urls"].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(u => new Uri(u)).ToArray();
var clients = int.Parse(opts.GetValueOrDefault("clients", "64"), CultureInfo.InvariantCulture);
var duration = TimeSpan.FromSeconds(double.Parse(opts.GetValueOrDefault("seconds", "60"), CultureInfo.InvariantCulture));
var run = DateTime.UtcNow.Ticks.ToString("x", CultureInfo.InvariantCulture);

HttpClient Client(Uri node)
{
    var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 1024, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
    var c = new HttpClient(handler) { BaseAddress = node, Timeout = TimeSpan.FromSeconds(120) };
    c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", opts["token"]);
    return c;
}
var nodes = urls.Select(Client).ToArray();

// What the clients pick from: 5,000 customer ids and name fragments from the first pages of the list.
var ids = new List<long>();
var words = new HashSet<string>();
string? cursor = null;
while (ids.Count < 5_000)
{
    using var page = JsonDocument.Parse(await nodes[0].GetStringAsync("/api/v1/customers?limit=1000" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))));
    foreach (var item in page.RootElement.GetProperty("items").EnumerateArray())
    {
        ids.Add(item.GetProperty("id").GetInt64());
        if (item.GetProperty("name").GetString() is { Length: >= 2 } name) words.Add(name[..2]);
    }
    if (page.RootElement.GetProperty("nextCursor").GetString() is not { } next) break;
    cursor = next;
}
if (ids.Count == 0) { Console.Error.WriteLine("The server holds no customers: load some first (bench/load.sh does)."); return 2; }
var terms = words.Take(500).ToArray();
Console.WriteLine($"{clients} clients, {duration.TotalSeconds:F0} s, {nodes.Length} node(s): {string.Join(", ", urls.Select(u => u.ToString()))}; picking from {ids.Count} customers, {terms.Length} search terms");
Console.WriteLine($"load average before: {File.ReadAllText("/proc/loadavg").Trim()}");

// The mix: what a team of people and a few integrations do at once, reads outnumbering writes about two to one.
(string Name, int Weight)[] mix = [("list", 15), ("search", 15), ("get", 20), ("timeline", 10), ("create", 10), ("update", 15), ("events", 15)];
var total = mix.Sum(m => m.Weight);
var samples = mix.ToDictionary(m => m.Name, _ => new List<(double Ms, int Status)>());
var stopAt = Stopwatch.StartNew();

async Task ClientAsync(int c)
{
    var http = nodes[c % nodes.Length];
    var random = new Random(c);
    var mine = new List<(long Id, string ETag)>();
    var local = mix.ToDictionary(m => m.Name, _ => new List<(double, int)>());
    for (var n = 0; stopAt.Elapsed < duration; n++)
    {
        var roll = random.Next(total);
        var op = mix.First(m => (roll -= m.Weight) < 0).Name;
        var id = ids[random.Next(ids.Count)];
        var watch = Stopwatch.StartNew();
        int status;
        try
        {
            using var response = op switch
            {
                "list" => await http.GetAsync($"/api/v1/customers?limit=50&sort=-updatedAt"),
                "search" => await http.GetAsync($"/api/v1/customers?limit=20&q={Uri.EscapeDataString(terms[random.Next(terms.Length)])}"),
                "get" => await http.GetAsync($"/api/v1/customers/{id}"),
                "timeline" => await http.GetAsync($"/api/v1/customers/{id}/timeline"),
                "create" => await http.PostAsJsonAsync("/api/v1/customers", new { name = $"Load {run} {c}-{n}", email = $"load-{run}-{c}-{n}@bench.example", city = "Hangzhou" }),
                "update" => await PatchAsync(http, id, $"City {random.Next(1000)}"),
                _ => await http.PostAsJsonAsync("/api/v1/events", Enumerable.Range(0, 10).Select(e => new
                {
                    eventId = $"load-{run}-{c}-{n}-{e}", customerId = ids[random.Next(ids.Count)], type = e % 3 == 0 ? "purchase" : "access",
                    occurredAt = DateTimeOffset.UtcNow.AddMinutes(-e).ToString("O", CultureInfo.InvariantCulture),
                }).ToArray()),
            };
            await response.Content.LoadIntoBufferAsync();
            status = (int)response.StatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            status = 599; // no answer at all: counted with the 5xx
        }
        local[op].Add((watch.Elapsed.TotalMilliseconds, status));
    }
    lock (samples)
        foreach (var (op, list) in local) samples[op].AddRange(list);
}

static async Task<HttpResponseMessage> PatchAsync(HttpClient http, long id, string city)
{
    var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/customers/{id}")
    {
        Content = new StringContent(JsonSerializer.Serialize(new { city }), Encoding.UTF8, "application/merge-patch+json"),
    };
    return await http.SendAsync(request);
}

await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(() => ClientAsync(c))));
var seconds = stopAt.Elapsed.TotalSeconds;

static double Pct(List<double> sorted, double p) => sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
Console.WriteLine($"load average after:  {File.ReadAllText("/proc/loadavg").Trim()}");
Console.WriteLine();
Console.WriteLine($"| operation | requests | 4xx | 5xx | p50 ms | p95 ms | p99 ms |");
Console.WriteLine($"| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
var all = new List<(double Ms, int Status)>();
foreach (var (op, list) in samples)
{
    all.AddRange(list);
    Row(op, list);
}
Row("all", all);
var fives = all.Count(s => s.Status >= 500);
Console.WriteLine();
Console.WriteLine($"{all.Count} requests in {seconds:F1} s ({all.Count / seconds:F0}/s); 5xx or no answer: {fives}");
foreach (var g in all.Where(s => s.Status >= 400).GroupBy(s => s.Status).OrderBy(g => g.Key)) Console.WriteLine($"  status {g.Key}: {g.Count()}");
return fives == 0 ? 0 : 1;

static void Row(string op, List<(double Ms, int Status)> list)
{
    var ms = list.Select(s => s.Ms).Order().ToList();
    Console.WriteLine($"| {op} | {list.Count} | {list.Count(s => s.Status is >= 400 and < 500)} | {list.Count(s => s.Status >= 500)} | {Pct(ms, .50):F1} | {Pct(ms, .95):F1} | {Pct(ms, .99):F1} |");
}
