using OpenImAuth.Core.Revocation;
using OpenImAuth.Core.Security;
using OpenImAuth.Core.Tokens;
using OpenImAuth.Server.Configuration;
using OpenImAuth.Storage.Sqlite;

namespace OpenImAuth.Server.Hosting;

internal static class SqliteStores
{
    /// <summary>
    /// The embedded store (<c>storage.kind sqlite</c>, one machine): one SQLite file under <c>storage.dataDir</c> holds
    /// token state, users, the audit log, session notes and status subscriptions; revocations and presence stay in
    /// this process.
    /// </summary>
    public static IServiceCollection AddSqliteStores(this IServiceCollection services) =>
        services.AddKeyedSingleton<IStoreBackend, Backend>(ServerSettings.SqliteKind);

    private sealed class Backend(TimeProvider time) : IStoreBackend
    {
        public string TokenStoreName => "sqlite";

        public string UserStoreName => "sqlite";

        public async Task<OpenedStores> OpenAsync(ServerSettings settings, List<IAsyncDisposable> resources, CancellationToken cancellationToken)
        {
            var database = await SqliteDatabase.OpenAsync(settings.DataDirectory, cancellationToken);
            resources.Add(database);
            return new OpenedStores(
                Tokens: await SqliteTokenStateStore.OpenAsync(database, time, cancellationToken),
                Users: new SqliteUserStore(database),
                Audit: new SqliteAuditStore(database),
                Revocations: new LocalRevocationBus(),
                Marks: await RevocationMarks.LoadAsync(new SqliteRevocationMarkStore(database), cancellationToken),
                SessionNotes: new SqliteSessionNoteStore(database),
                Subscriptions: new SqliteStatusSubscriptionStore(database),
                SecretFailures: new InMemorySecretFailureStore(settings.Security.Lockout, time),
                Probes: [database]);
        }
    }
}
