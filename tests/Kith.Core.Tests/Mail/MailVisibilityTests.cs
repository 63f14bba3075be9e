using Kith.Core.Identity;
using Kith.Core.Infrastructure;
using Kith.Core.Mail;
using Kith.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Kith.Core.Tests.Mail;

/// <summary>Synced mail is read by its participants and their managers by default; the mailbox owner can narrow or widen that.</summary>
public sealed class MailVisibilityTests(Dovecot dovecot)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(MailVisibility.Participants, true, false, true, true)]
    [InlineData(MailVisibility.Owner, false, false, false, true)]
    [InlineData(MailVisibility.CustomerReach, true, true, true, true)]
    public async Task Who_reads_a_synced_message(MailVisibility visibility, bool participant, bool teamMate, bool manager, bool admin)
    {
        var (user, password) = await dovecot.CreateUserAsync();
        await using var kit = await MailboxKit.StartAsync();
        var (ownerId, _) = await kit.UserAsync(Role.Agent, "Owner");
        var (inCopyId, inCopyEmail) = await kit.UserAsync(Role.Agent, "InCopy");
        var (mateId, _) = await kit.UserAsync(Role.Agent, "Mate");
        var (managerId, _) = await kit.UserAsync(Role.Manager, "Manager");
        var (adminId, _) = await kit.UserAsync(Role.Admin, "Admin");
        // One team: everyone reaches the customer (agents reach their team's records), so only the mail rule decides.
        await kit.TeamAsync(ownerId, inCopyId, mateId, managerId);
        var ids = await kit.CustomersAsync(ownerId, ("Alice", "alice@customer.example"));
        var owner = await kit.ScopeAsync(ownerId);
        var box = await kit.ConnectAsync(owner, dovecot, user, password, "owner@work.example", visibility: visibility);
        await dovecot.AppendAsync(user, password, false,
            TestMail.Message("alice@customer.example", "owner@work.example", "Private", "secret terms", "p1@customer.example", cc: inCopyEmail));
        await kit.SyncAsync(box.Id);

        async Task<bool> SeesAsync(long userId)
        {
            var scope = await kit.ScopeAsync(userId);
            var list = await kit.RunAsync<MailQueries, List<EmailItem>>(q => q.ForCustomerAsync(scope, ids[0], 10, Ct));
            var viaFilter = await kit.RunAsync(async sp =>
            {
                var db = (KithDb)sp.GetService(typeof(KithDb))!;
                var access = (MailAccess)sp.GetService(typeof(MailAccess))!;
                return await (await access.VisibleCommunicationsAsync(db.Communications, scope, Ct)).CountAsync(Ct);
            });
            Assert.Equal(list.Count, viaFilter);
            return list.Count == 1;
        }

        Assert.True(await SeesAsync(ownerId));
        Assert.Equal(participant, await SeesAsync(inCopyId));
        Assert.Equal(teamMate, await SeesAsync(mateId));
        Assert.Equal(manager, await SeesAsync(managerId));
        Assert.Equal(admin, await SeesAsync(adminId));
    }

    [Fact]
    public async Task A_mailbox_is_the_business_of_its_owner_and_administrators_only()
    {
        await using var kit = await MailboxKit.StartAsync();
        var (ownerId, _) = await kit.UserAsync(Role.Agent, "Owner");
        var (otherId, _) = await kit.UserAsync(Role.Manager, "Other");
        var (adminId, _) = await kit.UserAsync(Role.Admin, "Admin");
        var box = await kit.ConnectAsync(await kit.ScopeAsync(ownerId), dovecot, "u", "p", "owner@work.example");

        var other = await kit.ScopeAsync(otherId);
        await Assert.ThrowsAsync<NotFound>(() => kit.ViewAsync(other, box.Id));
        Assert.Empty(await kit.RunAsync<MailQueries, List<MailboxView>>(q => q.MailboxesAsync(other, Ct)));
        Assert.Equal(box.Id, (await kit.ViewAsync(await kit.ScopeAsync(adminId), box.Id)).Id);
    }
}
