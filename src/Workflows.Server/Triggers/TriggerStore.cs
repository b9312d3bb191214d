using System.Text.Json.Nodes;
using Dapper;
using Workflows.Abstractions.Secrets;
using Workflows.Engine.Storage;

namespace Workflows.Server.Triggers;

/// <summary>The tables of webhooks and schedules: deliveries (with their outcome), replay keys, and schedule state.</summary>
public sealed class TriggerStore(EngineDatabase database, TimeProvider clock, ISecretProtector protector)
{
    private const string DeliveryColumns = "id, hook, delivery_key, received_at, status, http_status, message, event, headers, body_size, run_id, redelivery_of, actor";

    /// <summary>Gets the schema, in both dialects.</summary>
    public static IReadOnlyList<Migration> Migrations { get; } =
    [
        new(1, "webhook deliveries, replay keys and schedule state", Schema, Schema),
        new(2, "schedules defined through the API", ApiSchedules, ApiSchedules),
        new(3, "who changed an API schedule last", ApiScheduleEditor, ApiScheduleEditor),
    ];

    private const string ApiScheduleEditor =
        """
        ALTER TABLE wf_api_schedules ADD COLUMN updated_by TEXT NULL;
        """;

    private const string ApiSchedules =
        """
        CREATE TABLE wf_api_schedules (id TEXT PRIMARY KEY, workflow TEXT NOT NULL, name TEXT NOT NULL, cron TEXT NOT NULL, timezone TEXT NOT NULL, overlap TEXT NOT NULL, inputs TEXT NOT NULL, created_by TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);
        """;

    private const string Schema =
        """
        CREATE TABLE wf_webhook_deliveries (id TEXT PRIMARY KEY, hook TEXT NOT NULL, delivery_key TEXT NULL, received_at BIGINT NOT NULL, status TEXT NOT NULL, http_status INTEGER NOT NULL, message TEXT NOT NULL, event TEXT NULL, headers TEXT NOT NULL, body TEXT NULL, body_size INTEGER NOT NULL, run_id TEXT NULL, redelivery_of TEXT NULL, actor TEXT NULL);
        CREATE INDEX wf_webhook_deliveries_hook ON wf_webhook_deliveries (hook, received_at);
        CREATE TABLE wf_webhook_replay (hook TEXT NOT NULL, delivery_key TEXT NOT NULL, delivery_id TEXT NOT NULL, received_at BIGINT NOT NULL, PRIMARY KEY (hook, delivery_key));
        CREATE TABLE wf_schedule_state (id TEXT PRIMARY KEY, paused INTEGER NOT NULL, changed_by TEXT NULL, changed_at BIGINT NULL, last_fire_at BIGINT NULL, last_outcome TEXT NULL, last_message TEXT NULL, last_run_id TEXT NULL);
        """;

    /// <summary>Creates or updates the tables.</summary>
    public Task MigrateAsync(CancellationToken ct) => database.MigrateAsync(Migrations, "triggers", ct);

    /// <summary>Records a delivery key; returns null when it is new, or the id of the delivery that recorded it first.</summary>
    public async Task<string?> ClaimReplayKeyAsync(string hook, string key, string deliveryId, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        var inserted = await c.ExecuteAsync(
            "INSERT INTO wf_webhook_replay (hook, delivery_key, delivery_id, received_at) VALUES (@hook, @key, @deliveryId, @now) ON CONFLICT (hook, delivery_key) DO NOTHING",
            new { hook, key, deliveryId, now = clock.GetUtcNow().ToUnixTimeMilliseconds() });
        return inserted == 1 ? null : await c.ExecuteScalarAsync<string>("SELECT delivery_id FROM wf_webhook_replay WHERE hook = @hook AND delivery_key = @key", new { hook, key });
    }

    /// <summary>Forgets a delivery key (after a failure the sender should be able to deliver again).</summary>
    public async Task ReleaseReplayKeyAsync(string hook, string key, string deliveryId, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        await c.ExecuteAsync("DELETE FROM wf_webhook_replay WHERE hook = @hook AND delivery_key = @key AND delivery_id = @deliveryId", new { hook, key, deliveryId });
    }

    /// <summary>Stores a delivery and its outcome.</summary>
    public async Task InsertDeliveryAsync(DeliveryRecord d, byte[]? body, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        await c.ExecuteAsync(
            $"INSERT INTO wf_webhook_deliveries ({DeliveryColumns}, body) VALUES (@Id, @Hook, @DeliveryKey, @ReceivedAt, @Status, @HttpStatus, @Message, @Event, @Headers, @BodySize, @RunId, @RedeliveryOf, @Actor, @body)",
            new
            {
                d.Id, d.Hook, d.DeliveryKey, ReceivedAt = d.ReceivedAt.ToUnixTimeMilliseconds(), d.Status, d.HttpStatus, d.Message, d.Event,
                Headers = d.Headers.ToJsonString(), d.BodySize, RunId = d.RunId?.ToString(), d.RedeliveryOf, d.Actor,
                body = body is null ? null : Convert.ToBase64String(body),
            });
    }

    /// <summary>Deletes deliveries and replay keys received before <paramref name="before"/>; returns how many deliveries went.</summary>
    public async Task<int> PruneAsync(DateTimeOffset before, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        var at = before.ToUnixTimeMilliseconds();
        await c.ExecuteAsync("DELETE FROM wf_webhook_replay WHERE received_at < @at", new { at });
        return await c.ExecuteAsync("DELETE FROM wf_webhook_deliveries WHERE received_at < @at", new { at });
    }

    /// <summary>Lists a hook's deliveries, newest first.</summary>
    public async Task<IReadOnlyList<DeliveryRecord>> ListDeliveriesAsync(string hook, int max, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        var rows = await c.QueryAsync<DeliveryRow>($"SELECT {DeliveryColumns} FROM wf_webhook_deliveries WHERE hook = @hook ORDER BY received_at DESC, id LIMIT @max", new { hook, max });
        return rows.Select(r => r.ToRecord()).ToList();
    }

    /// <summary>Gets a delivery and its stored body (null for rejected deliveries), or null.</summary>
    public async Task<(DeliveryRecord Delivery, byte[]? Body)?> GetDeliveryAsync(string id, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        var row = await c.QuerySingleOrDefaultAsync<DeliveryRow>($"SELECT {DeliveryColumns}, body FROM wf_webhook_deliveries WHERE id = @id", new { id });
        return row is null ? null : (row.ToRecord(), row.Body is null ? null : Convert.FromBase64String(row.Body));
    }

    /// <summary>Lists the schedules defined through the API.</summary>
    public Task<IReadOnlyList<ScheduleInfo>> ListApiSchedulesAsync(CancellationToken ct) =>
        ReadApiSchedulesAsync("", null, ct);

    /// <summary>Gets one schedule defined through the API, or null (only its own inputs are unsealed).</summary>
    public async Task<ScheduleInfo?> GetApiScheduleAsync(string workflow, string name, CancellationToken ct) =>
        (await ReadApiSchedulesAsync(" WHERE workflow = @workflow AND name = @name", new { workflow, name }, ct)).SingleOrDefault();

    private async Task<IReadOnlyList<ScheduleInfo>> ReadApiSchedulesAsync(string where, object? args, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        var rows = await c.QueryAsync<(string Workflow, string Name, string Cron, string TimeZone, string Overlap, string Inputs, string CreatedBy, long CreatedAt, string? UpdatedBy, long UpdatedAt)>(
            "SELECT workflow, name, cron, timezone, overlap, inputs, created_by, created_at, updated_by, updated_at FROM wf_api_schedules" + where + " ORDER BY workflow, name", args);
        return rows.Select(r => new ScheduleInfo(
            r.Workflow, r.Name, r.Cron, r.TimeZone, r.Overlap, OpenInputs(r.Inputs), $"api (by {r.CreatedBy})", ScheduleInfo.ApiOrigin,
            new ScheduleAuthor(r.CreatedBy, DateTimeOffset.FromUnixTimeMilliseconds(r.CreatedAt), r.UpdatedBy ?? r.CreatedBy, DateTimeOffset.FromUnixTimeMilliseconds(r.UpdatedAt)))).ToList();
    }

    // An API schedule's inputs may hold secret inputs: they are sealed at rest with the server's secret key, like a
    // run's inputs. Rows written before that hold plain JSON (an object) and are sealed at their next save.
    private JsonObject OpenInputs(string stored)
    {
        if (stored.StartsWith('{'))
        {
            return JsonNode.Parse(stored) as JsonObject ?? [];
        }

        try
        {
            return JsonNode.Parse(protector.Unprotect(stored)) as JsonObject ?? [];
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            // Sealed under another Workflows:SecretKey: the inputs cannot be read; the schedule's fires then fail
            // with the workflow's own "required input" errors rather than with a crash of the whole list.
            return [];
        }
    }

    /// <summary>Creates (when <paramref name="create"/>) or replaces an API schedule; returns false when creating one that exists or replacing one that does not.</summary>
    public async Task<bool> SaveApiScheduleAsync(ScheduleInfo s, string actor, bool create, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var args = new { s.Id, s.Workflow, s.Name, s.Cron, s.TimeZone, s.Overlap, inputs = protector.Protect(s.Inputs.ToJsonString()), actor, now };
        return create
            ? await c.ExecuteAsync("INSERT INTO wf_api_schedules (id, workflow, name, cron, timezone, overlap, inputs, created_by, created_at, updated_at) VALUES (@Id, @Workflow, @Name, @Cron, @TimeZone, @Overlap, @inputs, @actor, @now, @now) ON CONFLICT (id) DO NOTHING", args) == 1
            : await c.ExecuteAsync("UPDATE wf_api_schedules SET cron = @Cron, timezone = @TimeZone, overlap = @Overlap, inputs = @inputs, updated_by = @actor, updated_at = @now WHERE id = @Id", args) == 1;
    }

    /// <summary>Deletes an API schedule and its state; returns whether it existed.</summary>
    public async Task<bool> DeleteApiScheduleAsync(string id, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        await c.ExecuteAsync("DELETE FROM wf_schedule_state WHERE id = @id", new { id });
        return await c.ExecuteAsync("DELETE FROM wf_api_schedules WHERE id = @id", new { id }) == 1;
    }

    /// <summary>Gets the state of every schedule that has one.</summary>
    public async Task<IReadOnlyDictionary<string, ScheduleState>> ListScheduleStatesAsync(CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        var rows = await c.QueryAsync<ScheduleStateRow>("SELECT id, paused, changed_by, changed_at, last_fire_at, last_outcome, last_message, last_run_id FROM wf_schedule_state");
        return rows.ToDictionary(r => r.Id, r => r.ToState(), StringComparer.Ordinal);
    }

    /// <summary>Gets one schedule's state (a default one when none is stored).</summary>
    public async Task<ScheduleState> GetScheduleStateAsync(string id, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        var row = await c.QuerySingleOrDefaultAsync<ScheduleStateRow>("SELECT id, paused, changed_by, changed_at, last_fire_at, last_outcome, last_message, last_run_id FROM wf_schedule_state WHERE id = @id", new { id });
        return row?.ToState() ?? new ScheduleState(false, null, null, null, null, null, null);
    }

    /// <summary>Pauses or resumes a schedule.</summary>
    public async Task SetPausedAsync(string id, bool paused, string actor, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        await c.ExecuteAsync(
            "INSERT INTO wf_schedule_state (id, paused, changed_by, changed_at) VALUES (@id, @p, @actor, @now) ON CONFLICT (id) DO UPDATE SET paused = excluded.paused, changed_by = excluded.changed_by, changed_at = excluded.changed_at",
            new { id, p = paused ? 1 : 0, actor, now = clock.GetUtcNow().ToUnixTimeMilliseconds() });
    }

    /// <summary>Records the outcome of a fire.</summary>
    public async Task RecordFireAsync(string id, DateTimeOffset at, string outcome, string message, Guid? runId, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        await c.ExecuteAsync(
            "INSERT INTO wf_schedule_state (id, paused, last_fire_at, last_outcome, last_message, last_run_id) VALUES (@id, 0, @at, @outcome, @message, @run) ON CONFLICT (id) DO UPDATE SET last_fire_at = excluded.last_fire_at, last_outcome = excluded.last_outcome, last_message = excluded.last_message, last_run_id = excluded.last_run_id",
            new { id, at = at.ToUnixTimeMilliseconds(), outcome, message, run = runId?.ToString() });
    }

    private static DateTimeOffset? Ms(long? v) => v is { } x ? DateTimeOffset.FromUnixTimeMilliseconds(x) : null;

    private sealed class DeliveryRow
    {
        public string Id { get; set; } = "";

        public string Hook { get; set; } = "";

        public string? Delivery_Key { get; set; }

        public long Received_At { get; set; }

        public string Status { get; set; } = "";

        public long Http_Status { get; set; }

        public string Message { get; set; } = "";

        public string? Event { get; set; }

        public string Headers { get; set; } = "{}";

        public long Body_Size { get; set; }

        public string? Run_Id { get; set; }

        public string? Redelivery_Of { get; set; }

        public string? Actor { get; set; }

        public string? Body { get; set; }

        public DeliveryRecord ToRecord() => new()
        {
            Id = Id,
            Hook = Hook,
            DeliveryKey = Delivery_Key,
            ReceivedAt = DateTimeOffset.FromUnixTimeMilliseconds(Received_At),
            Status = Status,
            HttpStatus = (int)Http_Status,
            Message = Message,
            Event = Event,
            Headers = JsonNode.Parse(Headers) as JsonObject ?? [],
            BodySize = (int)Body_Size,
            RunId = Run_Id is null ? null : Guid.Parse(Run_Id),
            RedeliveryOf = Redelivery_Of,
            Actor = Actor,
        };
    }

    private sealed class ScheduleStateRow
    {
        public string Id { get; set; } = "";

        public long Paused { get; set; }

        public string? Changed_By { get; set; }

        public long? Changed_At { get; set; }

        public long? Last_Fire_At { get; set; }

        public string? Last_Outcome { get; set; }

        public string? Last_Message { get; set; }

        public string? Last_Run_Id { get; set; }

        public ScheduleState ToState() => new(Paused != 0, Changed_By, Ms(Changed_At), Ms(Last_Fire_At), Last_Outcome, Last_Message, Last_Run_Id is null ? null : Guid.Parse(Last_Run_Id));
    }
}

/// <summary>One received webhook delivery and what became of it.</summary>
public sealed record DeliveryRecord
{
    /// <summary>Gets the delivery's id (ours).</summary>
    public required string Id { get; init; }

    /// <summary>Gets the hook.</summary>
    public required string Hook { get; init; }

    /// <summary>Gets the sender's delivery id (X-GitHub-Delivery, X-Gitlab-Event-UUID, X-Delivery-Id) or <c>sha256:</c> of the body; null when not authenticated.</summary>
    public string? DeliveryKey { get; init; }

    /// <summary>Gets when it arrived.</summary>
    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>Gets the outcome: accepted, ignored, duplicate, rejected, invalid, failed, too-large.</summary>
    public required string Status { get; init; }

    /// <summary>Gets the HTTP status it was answered with.</summary>
    public required int HttpStatus { get; init; }

    /// <summary>Gets a readable explanation.</summary>
    public required string Message { get; init; }

    /// <summary>Gets the sender's event name (X-GitHub-Event, X-Gitlab-Event, X-Event), if any.</summary>
    public string? Event { get; init; }

    /// <summary>Gets the request headers, with secret-bearing ones masked.</summary>
    public JsonObject Headers { get; init; } = [];

    /// <summary>Gets the body's size in bytes.</summary>
    public int BodySize { get; init; }

    /// <summary>Gets the run it started (or, for a duplicate, the run of the original delivery).</summary>
    public Guid? RunId { get; init; }

    /// <summary>Gets, for a redelivery, the delivery it replays.</summary>
    public string? RedeliveryOf { get; init; }

    /// <summary>Gets, for a redelivery, who asked for it.</summary>
    public string? Actor { get; init; }
}

/// <summary>The stored state of a schedule.</summary>
/// <param name="Paused">Whether it is paused.</param>
/// <param name="ChangedBy">Who paused or resumed it last.</param>
/// <param name="ChangedAt">When.</param>
/// <param name="LastFireAt">When it last fired.</param>
/// <param name="LastOutcome">started, skipped or failed.</param>
/// <param name="LastMessage">A readable explanation of the last fire.</param>
/// <param name="LastRunId">The run the last fire started.</param>
public sealed record ScheduleState(bool Paused, string? ChangedBy, DateTimeOffset? ChangedAt, DateTimeOffset? LastFireAt, string? LastOutcome, string? LastMessage, Guid? LastRunId);
