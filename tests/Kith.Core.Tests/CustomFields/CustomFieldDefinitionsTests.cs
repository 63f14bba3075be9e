using System.Text.Json;
using Kith.Core.CustomFields;
using Kith.Core.Customers;
using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Tests.Customers;
using Kith.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.Tests.CustomFields;

public sealed class CustomFieldDefinitionsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static JsonElement J(string json) => JsonDocument.Parse(json).RootElement.Clone();

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task ValuesAreCheckedAgainstTheirDefinitionsAndEachRefusalNamesItsField(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var admin = await kit.ScopeAsync(await kit.UserAsync(Role.Admin, "admin"));
        Task Define(string key, CustomFieldType type, bool required = false, params string[] choices) => kit.RunAsync(sp =>
            sp.GetRequiredService<CustomFieldDefinitions>().CreateAsync(new CustomFieldInput
            { Entity = CustomFieldEntity.Customer, Key = key, Label = key.ToUpperInvariant(), Type = type, Required = required, Choices = [.. choices] }, admin, Ct));
        await Define("tier", CustomFieldType.Choice, false, "gold", "silver");
        await Define("spend", CustomFieldType.Number);
        await Define("renewal", CustomFieldType.Date);
        await Define("note", CustomFieldType.Text);
        await Define("region", CustomFieldType.Text, required: true);

        var e = await Assert.ThrowsAsync<RuleViolation>(() => kit.CreateAsync(admin, new CustomerInput
        {
            Name = "X",
            CustomFields = new() { ["tier"] = J("\"bronze\""), ["spend"] = J("\"lots\""), ["renewal"] = J("\"31/12/2026\""), ["note"] = J("5"), ["ghost"] = J("1") },
        }));
        Assert.Equal(["customFields.ghost", "customFields.note", "customFields.region", "customFields.renewal", "customFields.spend", "customFields.tier"], e.Errors.Keys.Order());

        var ok = await kit.CreateAsync(admin, new CustomerInput
        {
            Name = "Y",
            CustomFields = new() { ["tier"] = J("\"gold\""), ["spend"] = J("\"12.50\""), ["renewal"] = J("\"2026-12-31\""), ["note"] = J("\" hi \""), ["region"] = J("\"east\"") },
        });
        Assert.Equal(12.50m, ok.CustomFields["spend"].GetDecimal());
        Assert.Equal("hi", ok.CustomFields["note"].GetString());
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task OnlyAnAdminDefinesFieldsAndARemovedFieldsStoredValueDoesNotBlockLaterSaves(DatabaseProvider provider)
    {
        await using var kit = await RecordKit.StartAsync(provider);
        var admin = await kit.ScopeAsync(await kit.UserAsync(Role.Admin, "admin"));
        var agent = await kit.ScopeAsync(await kit.UserAsync(Role.Agent, "agent"));
        var input = new CustomFieldInput { Entity = CustomFieldEntity.Customer, Key = "tier", Label = "Tier", Type = CustomFieldType.Text };
        await Assert.ThrowsAsync<Forbidden>(() => kit.RunAsync(sp => sp.GetRequiredService<CustomFieldDefinitions>().CreateAsync(input, agent, Ct)));
        var field = await kit.RunAsync(sp => sp.GetRequiredService<CustomFieldDefinitions>().CreateAsync(input, admin, Ct));
        var c = await kit.CreateAsync(agent, new CustomerInput { Name = "Kept", CustomFields = new() { ["tier"] = J("\"gold\"") } });
        await kit.RunAsync(sp => sp.GetRequiredService<CustomFieldDefinitions>().DeleteAsync(field.Id, admin, Ct));

        var edit = c.ToInput();
        edit.City = "Wuhan";
        var saved = await kit.RunAsync(sp => sp.GetRequiredService<UpdateCustomer>().HandleAsync(c.Id, edit, null, agent, ActorKind.User, Ct));
        Assert.Equal("Wuhan", saved.City);
        Assert.Equal("gold", saved.CustomFields["tier"].GetString());
        edit.CustomFields["tier"] = J("\"silver\"");
        await Assert.ThrowsAsync<RuleViolation>(() => kit.RunAsync(sp => sp.GetRequiredService<UpdateCustomer>().HandleAsync(c.Id, edit, null, agent, ActorKind.User, Ct)));
    }
}
