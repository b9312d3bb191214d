using Workflows.Engine.Storage;

namespace Workflows.Engine.Tests.Storage;

/// <summary>The resource ledger's reads on a real database.</summary>
public sealed class LedgerStoreTests(TestDatabase databases) : IClassFixture<TestDatabase>
{
    [Theory]
    [InlineData("postgres")]
    [InlineData("sqlite")]
    public async Task FindLiveAsync_ReturnsTheLiveRowsOfAKindAndId_WhicheverRunRecordedThem_OnTheProviderAsked(string provider)
    {
        var ledger = new RunStore(await databases.CreateAsync(provider)).Ledger;
        string older = Guid.NewGuid().ToString(), newer = Guid.NewGuid().ToString();
        await ledger.RecordAsync(older, "apply", "kubernetes.deployment", "https://a", "shop/web", "web", null, 1, default);
        await ledger.RecordAsync(newer, "apply", "kubernetes.deployment", "https://b", "shop/web", "web", null, 2, default);
        await ledger.RecordAsync(newer, "apply", "kubernetes.deployment", "https://c", "shop/web", "web", null, 3, default);
        await ledger.RecordAsync(newer, "apply", "kubernetes.deployment.apps", "https://a", "shop/web", "web", null, 4, default);
        await ledger.MarkDeletedAsync("kubernetes.deployment", "shop/web", "https://c", 5, default);

        var onA = Assert.Single(await ledger.FindLiveAsync("kubernetes.deployment", "shop/web", "https://a", default));
        Assert.Equal((older, "kubernetes.deployment"), (onA.RunId, onA.Kind));
        Assert.Equal(["https://a", "https://b"], (await ledger.FindLiveAsync("kubernetes.deployment", "shop/web", null, default)).Select(r => r.Provider));
        Assert.Empty(await ledger.FindLiveAsync("kubernetes.deployment", "shop/web", "https://c", default));
        Assert.Empty(await ledger.FindLiveAsync("kubernetes.deployment", "shop/other", null, default));
    }
}
