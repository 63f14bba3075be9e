using System.Globalization;
using System.Security.Cryptography;
using Kith.Core.Companies;
using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Search;
using Kith.Core.Tags;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using PhoneNumbers;
using static Kith.Core.Demo.DemoNames;

namespace Kith.Core.Demo;

/// <summary>How much demo data to make; the defaults are what `kith serve --demo` makes.</summary>
public sealed record DemoDataSize(int Customers = 3000, int Companies = 150)
{
    public const int DefaultSeed = 20260101;
}

/// <summary>What a run made: nothing when the database already had customers.</summary>
public sealed record DemoDataResult(bool Generated, int Users, int Companies, int Customers);

/// <summary>
/// Fills an empty database with a realistic demo set for `kith serve --demo`: two teams of demo users (a manager
/// and agents each; no admin, as the first admin always comes from setup, and every demo password is random and
/// never shown, so nobody can sign in as a demo user), companies and customers with Chinese and Latin names, valid
/// Chinese and US phone numbers in E.164, tags and owners. The same seed always gives the same records.
/// Records are stamped as made by Kith itself (<see cref="Actor.System"/>) and saved in one transaction, so a
/// failed run leaves the database as empty as it was.
/// </summary>
public sealed class GenerateDemoData(KithDb db, TimeProvider clock)
{
    private const int BatchSize = 500;
    private const string UserDomain = "demo.example.com";
    private static readonly PhoneNumberUtil s_phones = PhoneNumberUtil.GetInstance();

    private static readonly (string Team, string Name, string Email, Role Role, string Language)[] s_users =
    [
        ("Shanghai Sales", "陈静", "chen.jing", Role.Manager, "zh-Hans"),
        ("Shanghai Sales", "王磊", "wang.lei", Role.Agent, "zh-Hans"),
        ("Shanghai Sales", "李娜", "li.na", Role.Agent, "zh-Hans"),
        ("Shanghai Sales", "张伟", "zhang.wei", Role.Agent, "zh-Hans"),
        ("Global Accounts", "Emily Carter", "emily.carter", Role.Manager, "en"),
        ("Global Accounts", "James Miller", "james.miller", Role.Agent, "en"),
        ("Global Accounts", "Sofia Rossi", "sofia.rossi", Role.Agent, "en"),
        ("Global Accounts", "Hiro Tanaka", "hiro.tanaka", Role.Agent, "en"),
    ];

    public async Task<DemoDataResult> RunAsync(DemoDataSize? size = null, int seed = DemoDataSize.DefaultSeed, CancellationToken ct = default)
    {
        size ??= new DemoDataSize();
        // Soft-deleted customers count too: demo data never mixes with a business's own records.
        if (await db.Customers.AnyAsync(ct)) return new DemoDataResult(false, 0, 0, 0);

        var random = new Random(seed);
        var now = clock.GetUtcNow().UtcDateTime;
        var autoDetect = db.ChangeTracker.AutoDetectChangesEnabled;
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var (china, world) = await AddUsersAsync(now, ct);
            var tags = await AddTagsAsync(ct);
            var companies = await AddCompaniesAsync(random, size.Companies, china, world, tags, now, ct);
            var customers = await AddCustomersAsync(random, size.Customers, companies, china, world, tags, now, ct);
            await tx.CommitAsync(ct);
            return new DemoDataResult(true, s_users.Length, companies.Count, customers);
        }
        finally
        {
            db.ChangeTracker.Clear();
            db.ChangeTracker.AutoDetectChangesEnabled = autoDetect;
        }
    }

    /// <summary>The demo users by team: the Chinese-speaking team and the English-speaking one. Existing users are reused.</summary>
    private async Task<(long[] China, long[] World)> AddUsersAsync(DateTime now, CancellationToken ct)
    {
        var teams = new Dictionary<string, Team>();
        foreach (var name in s_users.Select(u => u.Team).Distinct())
        {
            var team = await db.Teams.FirstOrDefaultAsync(t => t.Name == name, ct);
            if (team is null)
            {
                team = new Team { Name = name, CreatedAt = now };
                db.Teams.Add(team);
            }
            teams[name] = team;
        }
        var users = new List<(string Team, User User)>();
        foreach (var u in s_users)
        {
            var email = $"{u.Email}@{UserDomain}";
            var user = await db.Users.FirstOrDefaultAsync(x => x.Email == email, ct);
            if (user is null)
            {
                user = new User { Email = email, DisplayName = u.Name, Role = u.Role, Language = u.Language, CreatedAt = now };
                user.PasswordHash = Passwords.Hash(user, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
                db.Users.Add(user);
            }
            users.Add((u.Team, user));
        }
        db.ChangeTracker.DetectChanges();
        await db.SaveChangesAsync(ct);
        foreach (var (teamName, user) in users)
        {
            var teamId = teams[teamName].Id;
            if (!await db.TeamMembers.AnyAsync(m => m.TeamId == teamId && m.UserId == user.Id, ct))
                db.TeamMembers.Add(new TeamMember { TeamId = teamId, UserId = user.Id });
        }
        db.ChangeTracker.DetectChanges();
        await db.SaveChangesAsync(ct);
        var first = s_users[0].Team;
        return (users.Where(u => u.Team == first).Select(u => u.User.Id).ToArray(),
                users.Where(u => u.Team != first).Select(u => u.User.Id).ToArray());
    }

    private async Task<Dictionary<string, Tag>> AddTagsAsync(CancellationToken ct)
    {
        var names = CustomerTags.Select(t => t.Tag).Concat(CompanyTags.Select(t => t.Tag)).ToArray();
        var keys = names.Select(TagSet.Normalize).ToArray();
        var tags = await db.Tags.Where(t => keys.Contains(t.NormalizedName)).ToDictionaryAsync(t => t.NormalizedName, ct);
        foreach (var name in names)
        {
            if (tags.ContainsKey(TagSet.Normalize(name))) continue;
            var tag = new Tag { Name = name, NormalizedName = TagSet.Normalize(name) };
            db.Tags.Add(tag);
            tags[tag.NormalizedName] = tag;
        }
        db.ChangeTracker.DetectChanges();
        await db.SaveChangesAsync(ct);
        return tags;
    }

    private sealed record DemoCompany(long Id, string Name, string Domain, string City, bool Chinese);

    private async Task<List<DemoCompany>> AddCompaniesAsync(
        Random random, int count, long[] china, long[] world, Dictionary<string, Tag> tags, DateTime now, CancellationToken ct)
    {
        // Every brand and industry pair once, shuffled, so no two companies share a name.
        var chinese = (from b in Enumerable.Range(0, ChineseBrands.Length) from i in Enumerable.Range(0, Industries.Length) select (b, i)).ToArray();
        var latin = (from b in Enumerable.Range(0, LatinBrands.Length) from i in Enumerable.Range(0, Industries.Length) select (b, i)).ToArray();
        random.Shuffle(chinese);
        random.Shuffle(latin);
        var made = new List<(Company Company, bool Chinese)>();
        for (var n = 0; n < count; n++)
        {
            var isChinese = n % 2 == 0;
            var (b, i) = isChinese ? chinese[n / 2 % chinese.Length] : latin[n / 2 % latin.Length];
            var round = n / 2 / (isChinese ? chinese.Length : latin.Length);
            var industry = Industries[i];
            string name, domain, city;
            if (isChinese)
            {
                city = Pick(random, ChinaCities);
                var brand = ChineseBrands[b];
                name = $"{ChinaCityHan[city]}{brand.Han}{industry.Han}有限公司";
                domain = $"{brand.Pinyin}-{industry.HanDomain}{(round > 0 ? round.ToString(CultureInfo.InvariantCulture) : "")}.{(random.Next(2) == 0 ? "cn" : "com.cn")}";
            }
            else
            {
                city = Pick(random, WorldCities);
                var brand = LatinBrands[b];
                name = $"{brand} {industry.Latin} {Pick(random, LatinSuffixes)}";
                domain = $"{brand.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant()}{industry.Latin.ToLowerInvariant()}{(round > 0 ? round.ToString(CultureInfo.InvariantCulture) : "")}.com";
            }
            if (round > 0) name += $" ({round + 1})";
            var company = new Company
            {
                Name = name,
                Domain = domain,
                Industry = industry.Industry,
                Phone = isChinese ? ChinaLandline(random, city) : UsPhone(random),
                Email = $"{(isChinese ? "info" : Pick(random, ["hello", "info", "sales", "contact"]))}@{domain}",
                Website = $"https://www.{domain}",
                City = city,
                Employees = (int)Math.Round(Math.Exp(random.NextDouble() * Math.Log(5000)) + 2),
                OwnerId = Pick(random, isChinese ? china : world),
            };
            company.Tags.AddRange(PickTags(random, CompanyTags, tags));
            Stamp(company, random, now);
            company.SearchText = SearchGrams.Text(company.Name, company.Domain, company.Email, SearchGrams.PhoneDigits(company.Phone));
            company.SearchGrams = SearchGrams.Tokens(company.SearchText);
            db.Companies.Add(company);
            made.Add((company, isChinese));
        }
        db.ChangeTracker.DetectChanges();
        await db.SaveChangesAsync(ct);
        return made.Select(m => new DemoCompany(m.Company.Id, m.Company.Name, m.Company.Domain!, m.Company.City!, m.Chinese)).ToList();
    }

    private async Task<int> AddCustomersAsync(
        Random random, int count, List<DemoCompany> companies, long[] china, long[] world, Dictionary<string, Tag> tags,
        DateTime now, CancellationToken ct)
    {
        var chineseCompanies = companies.Where(c => c.Chinese).ToArray();
        var latinCompanies = companies.Where(c => !c.Chinese).ToArray();
        var sources = Sources.Select(s => s.Name).ToArray();
        var sourceWeights = Sources.Select(s => s.Weight).ToArray();
        var batch = new List<Customer>(BatchSize);
        var joins = new List<(long, long)>();
        for (var n = 0; n < count; n++)
        {
            var isChinese = random.NextDouble() < 0.55;
            string name, local;
            if (isChinese)
            {
                var surname = Pick(random, Surnames);
                var given = Enumerable.Range(0, random.NextDouble() < 0.6 ? 2 : 1).Select(_ => Pick(random, GivenNames)).ToArray();
                name = surname.Han + string.Concat(given.Select(g => g.Han));
                local = string.Concat(given.Select(g => g.Pinyin)) + "." + surname.Pinyin;
            }
            else
            {
                var first = Pick(random, LatinFirst);
                var last = Pick(random, LatinLast);
                name = $"{first} {last}";
                local = $"{first}.{last}".ToLowerInvariant();
            }
            var pool = isChinese ? chineseCompanies : latinCompanies;
            var company = pool.Length > 0 && random.NextDouble() < 0.6 ? Pick(random, pool) : null;
            var stage = Weighted(random, [LifecycleStage.Lead, LifecycleStage.Prospect, LifecycleStage.Customer, LifecycleStage.Churned], [25, 20, 45, 10]);
            var email = random.NextDouble() < 0.05 ? null
                : company is not null && random.NextDouble() < 0.7 ? $"{local}@{company.Domain}"
                : $"{local}{random.Next(1, 100)}@{Pick(random, isChinese ? ChinaMailDomains : WorldMailDomains)}";
            var customer = new Customer
            {
                Name = name,
                Email = email,
                Phone = random.NextDouble() < 0.04 ? null : isChinese || random.NextDouble() < 0.1 ? ChinaMobile(random) : UsPhone(random),
                Age = random.NextDouble() < 0.1 ? null : 18 + (int)Math.Round(Math.Abs(random.NextDouble() + random.NextDouble() - 1) * 50 + random.Next(0, 8)),
                Gender = Weighted<Gender?>(random, [Gender.Female, Gender.Male, Gender.Other, null], [47, 45, 2, 6]),
                City = company?.City ?? Pick(random, isChinese ? ChinaCities : WorldCities),
                CompanyId = company?.Id,
                // Most customers are looked after by the team that speaks their language.
                OwnerId = Pick(random, random.NextDouble() < 0.85 == isChinese ? china : world),
                Stage = stage,
                Source = Weighted(random, sources, sourceWeights),
                SignupDate = stage is LifecycleStage.Customer or LifecycleStage.Churned
                    ? DateOnly.FromDateTime(now.AddDays(-random.Next(1, 3 * 365)))
                    : null,
            };
            customer.Id = n + 1;
            Stamp(customer, random, now);
            CustomerWriter.SetSearch(customer, company?.Name);
            batch.Add(customer);
            joins.AddRange(PickTags(random, CustomerTags, tags).Select(t => (customer.Id, t.Id)));
            if (batch.Count == BatchSize || n == count - 1)
            {
                await InsertAsync(batch, joins, ct);
                batch.Clear();
                joins.Clear();
            }
        }
        if (db.Provider == DatabaseProvider.Postgres && count > 0)
            await db.Database.ExecuteSqlRawAsync("SELECT setval(pg_get_serial_sequence('customers', 'id'), (SELECT MAX(id) FROM customers))", ct);
        return count;
    }

    /// <summary>
    /// Writes customers and their tag links with one multi-row INSERT each. EF Core saves SQLite rows one statement
    /// at a time, which made 3,000 customers take a minute when every statement is logged; ids are given here
    /// (the table is empty, so 1..n) so the tag links need no round trip.
    /// </summary>
    private async Task InsertAsync(List<Customer> customers, List<(long CustomerId, long TagId)> joins, CancellationToken ct)
    {
        var entity = db.Model.FindEntityType(typeof(Customer))!;
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var columns = entity.GetProperties()
            .Select(p => (Column: p.GetColumnName(table), Get: p.GetGetter(), Converter: p.GetValueConverter() ?? p.GetTypeMapping().Converter))
            .Where(c => c.Column is not null)
            .ToList();
        var conn = db.Database.GetDbConnection();
        await using (var cmd = conn.CreateCommand())
        {
            cmd.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            var rows = new List<string>(customers.Count);
            foreach (var c in customers)
            {
                var names = new List<string>(columns.Count);
                foreach (var (_, get, converter) in columns)
                {
                    var value = get.GetClrValue(c);
                    if (value is not null && converter is not null) value = converter.ConvertToProvider(value);
                    names.Add(AddParameter(cmd, value));
                }
                rows.Add("(" + string.Join(", ", names) + ")");
            }
            cmd.CommandText = $"INSERT INTO {entity.GetTableName()} ({string.Join(", ", columns.Select(c => c.Column))}) VALUES {string.Join(", ", rows)}";
            await cmd.ExecuteNonQueryAsync(ct);
        }
        if (joins.Count == 0) return;
        await using (var cmd = conn.CreateCommand())
        {
            cmd.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            var rows = joins.Select(j => $"({AddParameter(cmd, j.CustomerId)}, {AddParameter(cmd, j.TagId)})").ToList();
            cmd.CommandText = $"INSERT INTO customer_tags (customer_id, tag_id) VALUES {string.Join(", ", rows)}";
            await cmd.ExecuteNonQueryAsync(ct);
        }
    }

    private static string AddParameter(System.Data.Common.DbCommand cmd, object? value)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = "@p" + cmd.Parameters.Count.ToString(CultureInfo.InvariantCulture);
        p.Value = value ?? DBNull.Value;
        cmd.Parameters.Add(p);
        return p.ParameterName;
    }

    /// <summary>Created some time in the last two years and perhaps changed since, by Kith itself.</summary>
    private static void Stamp(IAuditedRecord record, Random random, DateTime now)
    {
        var created = now.AddMinutes(-random.Next(60, 2 * 365 * 24 * 60));
        record.StampCreated(Actor.System, created);
        if (random.NextDouble() < 0.4)
            record.UpdatedAt = created.AddMinutes(random.Next(1, (int)Math.Max(2, (now - created).TotalMinutes)));
    }

    private static IEnumerable<Tag> PickTags(Random random, (string Tag, double Share)[] shares, Dictionary<string, Tag> tags) =>
        shares.Where(s => random.NextDouble() < s.Share).Select(s => tags[TagSet.Normalize(s.Tag)]).ToList();

    private static string ChinaMobile(Random random) =>
        Valid(random, "CN", r => $"{Pick(r, ChinaMobilePrefixes)}{r.Next(0, 100_000_000):D8}");

    private static string ChinaLandline(Random random, string city)
    {
        var area = city switch
        {
            "Beijing" => "10", "Shanghai" => "21", "Guangzhou" => "20", "Shenzhen" => "755", "Hangzhou" => "571",
            "Chengdu" => "28", "Wuhan" => "27", _ => "25",
        };
        return Valid(random, "CN", r => $"0{area}{r.Next(2, 9)}{r.Next(0, 10_000_000):D7}");
    }

    private static string UsPhone(Random random) =>
        Valid(random, "US", r => $"{Pick(r, UsAreaCodes)}{r.Next(2, 10)}{r.Next(0, 10)}{r.Next(2, 10)}{r.Next(0, 10_000):D4}");

    /// <summary>Draws numbers until libphonenumber calls one valid, and gives it in E.164 as Kith stores phones.</summary>
    private static string Valid(Random random, string region, Func<Random, string> draw)
    {
        for (var attempt = 0; ; attempt++)
        {
            var number = s_phones.Parse(draw(random), region);
            if (s_phones.IsValidNumber(number)) return s_phones.Format(number, PhoneNumberFormat.E164);
            if (attempt > 100) throw new InvalidOperationException($"The demo phone pattern for {region} yields no valid numbers.");
        }
    }

    private static T Pick<T>(Random random, T[] items) => items[random.Next(items.Length)];

    private static T Weighted<T>(Random random, T[] items, double[] weights)
    {
        var x = random.NextDouble() * weights.Sum();
        for (var i = 0; i < items.Length; i++)
        {
            x -= weights[i];
            if (x < 0) return items[i];
        }
        return items[^1];
    }
}
