using Dapper;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Execution;
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

    [Theory]
    [InlineData("postgres")]
    [InlineData("sqlite")]
    public async Task ResourcesAsync_TellsDeletedByARunFromGone_AndListsEitherAlone(string provider)
    {
        var store = new RunStore(await databases.CreateAsync(provider));
        var runId = await StoredRuns.InsertAsync(store, RunStatus.Failed);
        var kind = "test." + Guid.NewGuid().ToString("N")[..8];
        foreach (var id in new[] { "live", "deleted", "gone", "back" })
        {
            await store.Ledger.RecordAsync(runId, "create", kind, "lab", id, id, null, 1, default);
        }

        await store.Ledger.MarkDeletedAsync(kind, "deleted", "lab", 2, default);
        var live = await store.Ledger.LiveAsync(100, default);
        foreach (var id in new[] { "gone", "back" })
        {
            var row = live.Single(r => r.Kind == kind && r.ExternalId == id);
            Assert.True(await store.MarkResourceDeletedAsync(row.Id, nameof(ResourceDeletedReason.Gone), "alice", "{}", 3, Audit(runId), default));
        }

        // Found again (recorded by a later step): live, neither deleted nor gone any more.
        await store.Ledger.RecordAsync(runId, "create", kind, "lab", "back", "back", null, 4, default);

        var all = await EntriesAsync(store, new ResourceFilter { Kind = kind, IncludeDeleted = true });
        Assert.Equal(
            [("back", null, null, null), ("gone", 3L, ResourceDeletedReason.Gone, "alice"), ("deleted", 2L, ResourceDeletedReason.Deleted, null), ("live", null, null, null)],
            all.Select(e => (e.ExternalId, e.DeletedAt?.ToUnixTimeMilliseconds(), e.DeletedReason, e.DeletedBy)));
        Assert.Equal(["gone"], (await EntriesAsync(store, new ResourceFilter { Kind = kind, DeletedReason = ResourceDeletedReason.Gone })).Select(e => e.ExternalId));
        Assert.Equal(["deleted"], (await EntriesAsync(store, new ResourceFilter { Kind = kind, DeletedReason = ResourceDeletedReason.Deleted })).Select(e => e.ExternalId));
        Assert.Equal(["back", "live"], (await EntriesAsync(store, new ResourceFilter { Kind = kind })).Select(e => e.ExternalId));
        Assert.Equal(["back", "live"], (await EntriesAsync(store, new ResourceFilter { Kind = kind, OrphansOnly = true, DeletedReason = ResourceDeletedReason.Gone })).Select(e => e.ExternalId));
    }

    [Theory]
    [InlineData("postgres")]
    [InlineData("sqlite")]
    public async Task Migration11_KeepsRowsDeletedBeforeItDeleted_ButThoseAnEarlierCheckMarkedGoneAreGone(string provider)
    {
        var db = await databases.CreateAsync(provider, migrate: false);
        await db.MigrateAsync(EngineSchema.Migrations.Where(m => m.Version < 11), "engine");
        await db.MigrateAsync(IdempotencySchema.Migrations, IdempotencySchema.Component);
        var store = new RunStore(db);
        var runId = await StoredRuns.InsertAsync(store, RunStatus.Cancelled);
        await using (var c = await db.OpenAsync())
        {
            // As the ledger and the check wrote them before the reason had a column.
            await c.ExecuteAsync(
                """
                INSERT INTO wf_resources (run_id, step_id, kind, provider, external_id, name, properties, created_at, deleted_at) VALUES
                (@runId, 's', 'test.thing', 'lab', 'live', NULL, NULL, 1, NULL),
                (@runId, 's', 'test.thing', 'lab', 'deleted', NULL, '{"zone":"a"}', 1, 2),
                (@runId, 's', 'test.thing', 'lab', 'gone', NULL, '{"zone":"a","deletedReason":"gone"}', 1, 3),
                (@runId, 's', 'test.thing', 'lab', 'odd', NULL, '{"note":"deletedReason gone"}', 1, 4)
                """,
                new { runId });
        }

        await db.MigrateAsync(EngineSchema.Migrations, "engine");

        var entries = await EntriesAsync(store, new ResourceFilter { RunId = Guid.Parse(runId), IncludeDeleted = true });
        Assert.Equal(
            [("odd", ResourceDeletedReason.Deleted), ("gone", ResourceDeletedReason.Gone), ("deleted", ResourceDeletedReason.Deleted), ("live", (ResourceDeletedReason?)null)],
            entries.Select(e => (e.ExternalId, e.DeletedReason)));
        Assert.All(entries, e => Assert.Null(e.DeletedBy));
    }

    private static async Task<List<ResourceEntry>> EntriesAsync(RunStore store, ResourceFilter filter) =>
        (await store.ReadModel.ResourcesAsync(filter, default)).Select(ResourceMapping.ToEntry).ToList();

    private static AuditRow Audit(string runId) => new() { RunId = runId, StepId = "create", At = 3, Kind = "resource.gone", Actor = "alice", Message = "gone" };
}
