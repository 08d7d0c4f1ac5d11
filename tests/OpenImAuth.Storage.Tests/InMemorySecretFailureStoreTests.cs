using OpenImAuth.Core.Security;

namespace OpenImAuth.Storage.Tests;

public sealed class InMemorySecretFailureStoreTests : SecretFailureStoreContractTests
{
    protected override Task<ISecretFailureStore> CreateStoreAsync(SecretLockoutPolicy policy) =>
        Task.FromResult<ISecretFailureStore>(new InMemorySecretFailureStore(policy, Time));

    [Fact]
    public async Task AFullTable_CountsNoNewAddress_UntilOldEntriesExpire()
    {
        // Arrange: room for two addresses, both counting
        var store = new InMemorySecretFailureStore(Policy, Time, maxAddresses: 2);
        await store.RecordFailureAsync("198.51.100.1", Ct);
        await store.RecordFailureAsync("198.51.100.2", Ct);

        // Act
        var whileFull = await store.RecordFailureAsync("198.51.100.3", Ct);
        Time.Advance(Policy.Window);
        var afterExpiry = await store.RecordFailureAsync("198.51.100.3", Ct);

        // Assert: the known addresses still count meanwhile
        Assert.Equal(new SecretFailure(0, null), whileFull);
        Assert.Equal(new SecretFailure(1, null), afterExpiry);
        Assert.Equal(new SecretFailure(1, null), await store.RecordFailureAsync("198.51.100.1", Ct));
    }
}
