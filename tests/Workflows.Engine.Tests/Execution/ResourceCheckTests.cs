using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Resources;
using Workflows.Engine.Execution;
using Workflows.Engine.Storage;
using Workflows.Engine.Tests.Storage;

namespace Workflows.Engine.Tests.Execution;

/// <summary>
/// A check against the cloud on a real database: a resource its provider no longer has is marked gone together with
/// its audit event, so a failure while writing the audit leaves the row live (and the next check marks it), never a
/// gone row that no run's audit explains.
/// </summary>
public sealed class ResourceCheckTests(TestDatabase databases) : IClassFixture<TestDatabase>
{
    [Theory]
    [InlineData("postgres")]
    [InlineData("sqlite")]
    public async Task CheckAsync_MarksAGoneResourceAndWritesItsAudit_InOneTransaction(string provider)
    {
        var db = await databases.CreateAsync(provider);
        var store = new RunStore(db);
        var runId = Guid.NewGuid().ToString();
        await store.Ledger.RecordAsync(runId, "create", "test.thing", "lab", "t-1", "thing one", """{"zone":"a"}""", 1, default);
        var check = new ResourceCheck(store, [new GoneProbe()], TimeProvider.System, NullLogger<ResourceCheck>.Instance);

        // The audit write fails (as a crash between the two writes would stop it): nothing of the mark may stay.
        await using (var c = await db.OpenAsync())
        {
            await c.ExecuteAsync(provider == "postgres"
                ? """
                  CREATE FUNCTION wf_test_fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit write failed'; END $$;
                  CREATE TRIGGER wf_test_no_gone_audit BEFORE INSERT ON wf_audit FOR EACH ROW WHEN (NEW.kind = 'resource.gone') EXECUTE FUNCTION wf_test_fail();
                  """
                : "CREATE TRIGGER wf_test_no_gone_audit BEFORE INSERT ON wf_audit WHEN NEW.kind = 'resource.gone' BEGIN SELECT RAISE(ABORT, 'audit write failed'); END;");
        }

        await Assert.ThrowsAnyAsync<Exception>(() => check.CheckAsync(null, "alice"));

        var live = Assert.Single(await store.Ledger.LiveAsync(10, default));
        Assert.Equal(("t-1", null, """{"zone":"a"}"""), (live.ExternalId, live.DeletedAt, live.Properties));
        Assert.Equal(0, await AuditCountAsync(db, runId));

        await using (var c = await db.OpenAsync())
        {
            await c.ExecuteAsync("DROP TRIGGER wf_test_no_gone_audit" + (provider == "postgres" ? " ON wf_audit" : string.Empty));
        }

        var result = await check.CheckAsync(null, "alice");

        Assert.Equal(ResourcePresence.Gone, Assert.Single(result.Items).Presence);
        Assert.Empty(await store.Ledger.LiveAsync(10, default));
        var row = Assert.Single(await store.Ledger.ForRunAsync(runId, default));
        Assert.NotNull(row.DeletedAt);
        Assert.Equal(("Gone", "alice"), (row.DeletedReason, row.DeletedBy));
        Assert.Contains("\"deletedReason\":\"gone\"", row.Properties, StringComparison.Ordinal);
        Assert.Equal(1, await AuditCountAsync(db, runId));

        // Checked again, the row is no longer live: no second audit event.
        Assert.Empty((await check.CheckAsync(null, "alice")).Items);
        Assert.Equal(1, await AuditCountAsync(db, runId));
    }

    private static async Task<int> AuditCountAsync(EngineDatabase db, string runId)
    {
        await using var c = await db.OpenAsync();
        return await c.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM wf_audit WHERE run_id = @runId AND kind = 'resource.gone'", new { runId });
    }

    private sealed class GoneProbe : IResourceProbe
    {
        public IReadOnlyCollection<string> Kinds => ["test.thing"];

        public Task<ResourcePresence> ProbeAsync(ResourceEntry resource, CancellationToken cancellationToken = default) => Task.FromResult(ResourcePresence.Gone);
    }
}
