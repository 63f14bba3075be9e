using Kith.Core.Companies;
using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Listing;
using Kith.Core.Tests.Customers;
using Kith.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Tests.Companies;

public sealed class CompanyHandlersTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task RenamingACompanyMakesItsCustomersFindableByTheNewNameOnly(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var agent = await kit.ScopeAsync(await kit.UserAsync(Role.Agent, "a"));
        var company = await kit.RunAsync(sp => sp.GetRequiredService<CreateCompany>().HandleAsync(
            new CompanyInput { Name = "北京华为", Domain = "HTTPS://Huawei.example/", Phone = "010 6000 0000" }, agent, ActorKind.User, Ct));
        Assert.Equal("huawei.example", company.Domain);
        Assert.Equal("+861060000000", company.Phone);
        var c = await kit.CreateAsync(agent, new CustomerInput { Name = "Staff", CompanyId = company.Id });

        var edit = company.ToInput();
        edit.Name = "Globex";
        var renamed = await kit.RunAsync(sp => sp.GetRequiredService<UpdateCompany>().HandleAsync(company.Id, edit, company.Version, agent, ActorKind.User, Ct));
        Assert.Equal(2, renamed.Version);
        Task<ListPage<CustomerListItem>> Search(string q) => kit.RunAsync(sp => sp.GetRequiredService<CustomerQueries>().ListAsync(agent, new ListRequest(q, null, null), Ct));
        Assert.Equal(c.Id, Assert.Single((await Search("globex")).Items).Id);
        Assert.Empty((await Search("华为")).Items);
        var companies = await kit.RunAsync(sp => sp.GetRequiredService<CompanyQueries>().ListAsync(agent, new ListRequest("huawei", null, "name"), Ct));
        Assert.Equal(company.Id, Assert.Single(companies.Items).Id);
        var members = await kit.RunAsync(sp => sp.GetRequiredService<CompanyQueries>().CustomersAsync(agent, company.Id, new ListRequest(null, "name eq Staff", null), Ct));
        Assert.Equal(1, members.Total);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ACompanyOutOfReachIsNotFoundAndADeletedOneIsRestorableWithinThirtyDays(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var owner = await kit.ScopeAsync(await kit.UserAsync(Role.Agent, "owner"));
        var outsider = await kit.ScopeAsync(await kit.UserAsync(Role.Agent, "outsider"));
        var company = await kit.RunAsync(sp => sp.GetRequiredService<CreateCompany>().HandleAsync(new CompanyInput { Name = "Private Ltd" }, owner, ActorKind.User, Ct));
        await Assert.ThrowsAsync<NotFound>(() => kit.RunAsync(sp => sp.GetRequiredService<CompanyQueries>().GetAsync(outsider, company.Id, Ct)));
        await Assert.ThrowsAsync<NotFound>(() => kit.RunAsync(sp => sp.GetRequiredService<DeleteCompany>().HandleAsync(company.Id, null, outsider, ActorKind.User, Ct)));
        await Assert.ThrowsAsync<VersionConflict>(() => kit.RunAsync(sp => sp.GetRequiredService<DeleteCompany>().HandleAsync(company.Id, 7, owner, ActorKind.User, Ct)));

        await kit.RunAsync(sp => sp.GetRequiredService<DeleteCompany>().HandleAsync(company.Id, 1, owner, ActorKind.User, Ct));
        await Assert.ThrowsAsync<NotFound>(() => kit.RunAsync(sp => sp.GetRequiredService<RestoreCompany>().HandleAsync(company.Id, outsider, ActorKind.User, Ct)));
        kit.Clock.Advance(TimeSpan.FromDays(29));
        var back = await kit.RunAsync(sp => sp.GetRequiredService<RestoreCompany>().HandleAsync(company.Id, owner, ActorKind.User, Ct));
        Assert.Null(back.DeletedAt);
    }
}
