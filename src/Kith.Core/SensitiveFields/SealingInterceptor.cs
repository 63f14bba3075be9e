using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Kith.Core.SensitiveFields;

/// <summary>
/// The one interceptor instance every context shares (EF Core builds an internal service provider per distinct set of
/// interceptors, so one per key file would build one per test database). It hands each event to the
/// <see cref="CustomerSealing"/> of the context's key file, named by <see cref="FieldKeysOption"/>.
/// </summary>
internal sealed class SealingInterceptor : SaveChangesInterceptor, IMaterializationInterceptor
{
    public static readonly SealingInterceptor Instance = new();

    private static CustomerSealing? Of(DbContext? db) => db is null ? null : CustomerSealing.Of(db);

    public object InitializedInstance(MaterializationInterceptionData materializationData, object entity) =>
        Of(materializationData.Context)?.InitializedInstance(materializationData, entity) ?? entity;

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result) =>
        Of(eventData.Context)?.SavingChanges(eventData, result) ?? result;

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken ct = default) =>
        Of(eventData.Context)?.SavingChangesAsync(eventData, result, ct) ?? ValueTask.FromResult(result);

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result) =>
        Of(eventData.Context)?.SavedChanges(eventData, result) ?? result;

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken ct = default) =>
        Of(eventData.Context)?.SavedChangesAsync(eventData, result, ct) ?? ValueTask.FromResult(result);

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Of(eventData.Context)?.SaveChangesFailed(eventData);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken ct = default) =>
        Of(eventData.Context)?.SaveChangesFailedAsync(eventData, ct) ?? Task.CompletedTask;

    public override void SaveChangesCanceled(DbContextEventData eventData) => Of(eventData.Context)?.SaveChangesCanceled(eventData);

    public override Task SaveChangesCanceledAsync(DbContextEventData eventData, CancellationToken ct = default) =>
        Of(eventData.Context)?.SaveChangesCanceledAsync(eventData, ct) ?? Task.CompletedTask;
}

/// <summary>Names a context's field key file; it shares the internal service provider of every other key file.</summary>
internal sealed class FieldKeysOption(string path) : IDbContextOptionsExtension
{
    public string Path => path;

    public DbContextOptionsExtensionInfo Info => new ExtensionInfo(this);

    public void ApplyServices(IServiceCollection services) { }

    public void Validate(IDbContextOptions options) { }

    public static void Add(DbContextOptionsBuilder builder, string path)
    {
        ((IDbContextOptionsBuilderInfrastructure)builder).AddOrUpdateExtension(new FieldKeysOption(path));
        builder.AddInterceptors(SealingInterceptor.Instance);
    }

    private sealed class ExtensionInfo(IDbContextOptionsExtension extension) : DbContextOptionsExtensionInfo(extension)
    {
        public override bool IsDatabaseProvider => false;
        public override string LogFragment => "";
        public override int GetServiceProviderHashCode() => 0;
        public override bool ShouldUseSameServiceProvider(DbContextOptionsExtensionInfo other) => other is ExtensionInfo;
        public override void PopulateDebugInfo(IDictionary<string, string> debugInfo) { }
    }
}
