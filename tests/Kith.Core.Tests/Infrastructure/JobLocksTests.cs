using Kith.Core.Infrastructure;
using Kith.Tests.Infrastructure;

namespace Kith.Core.Tests.Infrastructure;

public sealed class JobLocksTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OnPostgresAJobHeldByOneNodeIsRefusedToAnotherUntilTheFirstLetsGo()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Postgres);
        var nodeA = new JobLocks(database.Options);
        var nodeB = new JobLocks(database.Options);

        var heldByA = await nodeA.TryTakeAsync("mail-sync", Ct);
        Assert.NotNull(heldByA);
        Assert.Null(await nodeB.TryTakeAsync("mail-sync", Ct));
        await using (var other = await nodeB.TryTakeAsync("backups", Ct))
            Assert.NotNull(other);
        Assert.True(await heldByA.StillHeldAsync(Ct));

        await heldByA.DisposeAsync();
        await using var heldByB = await nodeB.TryTakeAsync("mail-sync", Ct);
        Assert.NotNull(heldByB);
    }

    [Fact]
    public async Task OnSqliteEveryJobIsGrantedAtOnce()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var locks = new JobLocks(database.Options);
        await using var first = await locks.TryTakeAsync("mail-sync", Ct);
        await using var second = await locks.TryTakeAsync("mail-sync", Ct);
        Assert.NotNull(first);
        Assert.NotNull(second);
    }

    [Fact]
    public async Task WorkRunsOnlyWhileTheLockIsHeldAndMovesWhenTheHolderStops()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Postgres);
        var fast = TimeSpan.FromMilliseconds(200);
        var nodeA = new JobLocks(database.Options) { RetryEvery = fast };
        var nodeB = new JobLocks(database.Options) { RetryEvery = fast };
        var startedOnA = new TaskCompletionSource();
        var startedOnB = new TaskCompletionSource();
        using var stopA = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        using var stopB = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var runA = nodeA.RunWhileHeldAsync("segments", async ct => { startedOnA.TrySetResult(); await Task.Delay(Timeout.Infinite, ct); }, stopA.Token);
        await startedOnA.Task.WaitAsync(Ct);
        var runB = nodeB.RunWhileHeldAsync("segments", async ct => { startedOnB.TrySetResult(); await Task.Delay(Timeout.Infinite, ct); }, stopB.Token);
        // B asks several times while A holds the job, and is refused each time.
        for (var i = 0; i < 5; i++)
        {
            await Task.Delay(fast, Ct);
            Assert.False(startedOnB.Task.IsCompleted, "B started the job while A held it");
        }

        await stopA.CancelAsync();
        await runA;
        await startedOnB.Task.WaitAsync(Ct);
        await stopB.CancelAsync();
        await runB;
    }
}
