using System.Text.Json;
using Kith.Core.CustomFields;
using Kith.Core.Customers;
using Kith.Core.History;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Tests.Customers;
using Kith.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Tests.History;

public sealed class ChangeLogTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task CustomFieldsAreRecordedByTheirApiNameAndARefusedSaveLeavesNoHistory(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var admin = await kit.ScopeAsync(await kit.UserAsync(Role.Admin, "Ada"));
        await kit.RunAsync(sp => sp.GetRequiredService<CustomFieldDefinitions>().CreateAsync(
            new CustomFieldInput { Entity = CustomFieldEntity.Customer, Key = "tier", Label = "Tier", Type = CustomFieldType.Text }, admin, Ct));
        var c = await kit.CreateAsync(admin, new CustomerInput { Name = "Tracked" });
        var edit = c.ToInput();
        edit.CustomFields["tier"] = JsonDocument.Parse("\"gold\"").RootElement.Clone();
        await kit.RunAsync(sp => sp.GetRequiredService<UpdateCustomer>().HandleAsync(c.Id, edit, null, admin, ActorKind.Api, Ct));
        edit.Email = "broken@";
        await Assert.ThrowsAsync<RuleViolation>(() => kit.RunAsync(sp => sp.GetRequiredService<UpdateCustomer>().HandleAsync(c.Id, edit, null, admin, ActorKind.Api, Ct)));

        var history = await kit.RunAsync(sp => sp.GetRequiredService<CustomerQueries>().HistoryAsync(admin, c.Id, Ct));
        Assert.Equal(2, history.Count);
        var change = history[0];
        Assert.Equal(("customFields.tier", null, "gold"), (change.Field, change.OldValue, change.NewValue));
        Assert.Equal(new ActorRef(ActorKind.Api, admin.UserId, "Ada"), change.Actor);
    }
}
