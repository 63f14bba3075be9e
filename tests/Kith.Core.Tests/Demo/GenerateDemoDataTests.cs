using Kith.Core.Customers;
using Kith.Core.Demo;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Search;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using PhoneNumbers;

namespace Kith.Core.Tests.Demo;

public sealed class GenerateDemoDataTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task AnEmptyDatabaseIsFilledWithCustomersCompaniesAndDemoUsers(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using (var db = database.Open())
        {
            var result = await new GenerateDemoData(db, TimeProvider.System).RunAsync(ct: Ct);
            Assert.True(result.Generated);
            Assert.Equal(new DemoDataResult(true, 8, 150, 3000), result);
        }

        await using var check = database.Open();
        Assert.Equal(3000, await check.Customers.CountAsync(Ct));
        Assert.Equal(150, await check.Companies.CountAsync(Ct));
        var users = await check.Users.ToListAsync(Ct);
        Assert.Equal(8, users.Count);
        Assert.DoesNotContain(users, u => u.Role == Role.Admin);
        Assert.Equal(2, await check.Teams.CountAsync(Ct));
        Assert.Equal(8, await check.TeamMembers.CountAsync(Ct));

        var owners = await check.Customers.Select(c => c.OwnerId).Distinct().ToListAsync(Ct);
        Assert.Equal(users.Select(u => u.Id).Order(), owners.Order());
        Assert.True(await check.Customers.CountAsync(c => c.CompanyId != null, Ct) > 1000);
        Assert.True(await check.Customers.CountAsync(c => c.Tags.Any(t => t.NormalizedName == "vip"), Ct) > 100);
        Assert.True(await check.Companies.CountAsync(c => c.Tags.Any(), Ct) > 10);
        Assert.All(await check.Customers.ToListAsync(Ct), c =>
        {
            Assert.Equal(ActorKind.System, c.CreatedByKind);
            Assert.Equal(ActorKind.System, c.UpdatedByKind);
            Assert.Null(c.CreatedByUserId);
            Assert.Equal(1, c.Version);
            Assert.Null(c.DeletedAt);
            Assert.True(c.UpdatedAt >= c.CreatedAt);
            Assert.Equal(c.Email, c.Email?.ToLowerInvariant());
        });

        // The demo gives ids itself; a customer saved afterwards must still get a fresh one.
        var next = new Customer { Name = "After the demo", OwnerId = users[0].Id };
        next.StampCreated(Actor.System, DateTime.UtcNow);
        CustomerWriter.SetSearch(next, null);
        check.Customers.Add(next);
        await check.SaveChangesAsync(Ct);
        Assert.Equal(3001, next.Id);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ADatabaseThatHasCustomersIsLeftAlone(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using (var db = database.Open())
        {
            var owner = new User { Email = "owner@example.com", DisplayName = "Owner", Role = Role.Admin, CreatedAt = DateTime.UtcNow };
            db.Users.Add(owner);
            await db.SaveChangesAsync(Ct);
            var customer = new Customer { Name = "Ada Lovelace", OwnerId = owner.Id };
            customer.StampCreated(Actor.System, DateTime.UtcNow);
            CustomerWriter.SetSearch(customer, null);
            db.Customers.Add(customer);
            await db.SaveChangesAsync(Ct);
        }

        await using (var db = database.Open())
        {
            var result = await new GenerateDemoData(db, TimeProvider.System).RunAsync(ct: Ct);
            Assert.Equal(new DemoDataResult(false, 0, 0, 0), result);
        }

        await using var check = database.Open();
        Assert.Equal("Ada Lovelace", Assert.Single(await check.Customers.ToListAsync(Ct)).Name);
        Assert.Equal(0, await check.Companies.CountAsync(Ct));
        Assert.Equal(1, await check.Users.CountAsync(Ct));
    }

    [Fact]
    public async Task NamesAreChineseAndLatinAndEveryPhoneIsAValidE164Number()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await using var db = database.Open();
        await new GenerateDemoData(db, TimeProvider.System).RunAsync(ct: Ct);

        var customers = await db.Customers.AsNoTracking().ToListAsync(Ct);
        var companies = await db.Companies.AsNoTracking().ToListAsync(Ct);
        var chinese = customers.Count(c => c.Name.All(IsHan));
        var latin = customers.Count(c => c.Name.All(ch => char.IsAsciiLetter(ch) || ch == ' '));
        Assert.Equal(customers.Count, chinese + latin);
        Assert.InRange(chinese, 1200, 2100);
        Assert.Contains(companies, c => c.Name.EndsWith("有限公司", StringComparison.Ordinal));
        Assert.Contains(companies, c => c.Name.All(char.IsAscii));

        var phones = PhoneNumberUtil.GetInstance();
        var numbers = customers.Select(c => c.Phone).Concat(companies.Select(c => c.Phone)).OfType<string>().ToList();
        Assert.True(numbers.Count > 2800);
        Assert.All(numbers, p =>
        {
            Assert.StartsWith("+", p);
            var parsed = phones.Parse(p, null);
            Assert.True(phones.IsValidNumber(parsed), $"{p} is not a valid number");
            Assert.Equal(p, phones.Format(parsed, PhoneNumberFormat.E164));
        });
        Assert.Contains(numbers, p => p.StartsWith("+86", StringComparison.Ordinal));
        Assert.Contains(numbers, p => p.StartsWith("+1", StringComparison.Ordinal));
        Assert.All(customers.Where(c => c.Phone is not null), c => Assert.True(c.PhoneIsValid));

        static bool IsHan(char c) => c is >= '\u4e00' and <= '\u9fff';
    }

    [Fact]
    public async Task SearchFieldsAreFilledTheWayTheCustomerHandlersFillThem()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await using var db = database.Open();
        await new GenerateDemoData(db, TimeProvider.System).RunAsync(new DemoDataSize(300, 20), ct: Ct);

        var customers = await db.Customers.AsNoTracking().Include(c => c.Company).ToListAsync(Ct);
        Assert.Contains(customers, c => c.Company is not null);
        Assert.All(customers, c =>
        {
            var expected = new Customer { Name = c.Name, Email = c.Email, Phone = c.Phone };
            CustomerWriter.SetSearch(expected, c.Company?.Name);
            Assert.Equal(expected.SearchText, c.SearchText);
            Assert.Equal(expected.SearchGrams, c.SearchGrams);
        });
        Assert.All(await db.Companies.AsNoTracking().ToListAsync(Ct), c =>
        {
            Assert.Contains(SearchGrams.Normalize(c.Name), c.SearchText, StringComparison.Ordinal);
            Assert.Equal(SearchGrams.Tokens(c.SearchText), c.SearchGrams);
        });
    }

    [Fact]
    public async Task TheSameSeedMakesTheSameRecords()
    {
        async Task<List<string>> RunAsync(int seed)
        {
            await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
            await using var db = database.Open();
            await new GenerateDemoData(db, TimeProvider.System).RunAsync(new DemoDataSize(200, 10), seed, Ct);
            return await db.Customers.OrderBy(c => c.Id).Select(c => c.Name + "|" + c.Email + "|" + c.Phone + "|" + c.City).ToListAsync(Ct);
        }

        var first = await RunAsync(7);
        Assert.Equal(first, await RunAsync(7));
        Assert.NotEqual(first, await RunAsync(8));
    }
}
