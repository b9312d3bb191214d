using System.Text.Json.Nodes;
using Cronos;
using Hangfire;
using Hangfire.Server;
using Hangfire.Storage;
using Microsoft.Extensions.Options;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Definitions;
using Workflows.Engine.Expressions;

namespace Workflows.Server.Triggers;

/// <summary>A schedule declared in a definition.</summary>
/// <param name="Workflow">The workflow it starts.</param>
/// <param name="Name">Its name (the run's trigger actor); defaults to the workflow's name, then <c>&lt;workflow&gt;-2</c>, ….</param>
/// <param name="Cron">The cron expression (5 fields, or 6 with seconds first).</param>
/// <param name="TimeZone">The IANA time zone the cron is evaluated in.</param>
/// <param name="Overlap">skip, queue or allow.</param>
/// <param name="Inputs">The inputs (templates over <c>schedule.name</c>, <c>schedule.workflow</c>, <c>schedule.time</c>).</param>
/// <param name="Source">The definition file, or <c>api (by …)</c>.</param>
/// <param name="Origin"><see cref="DefinitionOrigin"/> or <see cref="ApiOrigin"/>.</param>
/// <param name="Author">For an API schedule, who created and last changed it, and when.</param>
public sealed record ScheduleInfo(string Workflow, string Name, string Cron, string TimeZone, string Overlap, JsonObject Inputs, string Source, string Origin = ScheduleInfo.DefinitionOrigin, ScheduleAuthor? Author = null)
{
    /// <summary>Declared in a definition's <c>triggers:</c> (edited by editing the file).</summary>
    public const string DefinitionOrigin = "definition";

    /// <summary>Created through the API (edited and deleted through the API).</summary>
    public const string ApiOrigin = "api";

    /// <summary>Gets the Hangfire recurring job id.</summary>
    public string Id => ScheduleManager.JobId(Workflow, Name);

    /// <summary>Gets the cron expression in plain language (the expression itself when it cannot be said well).</summary>
    public string Description => CronDescriber.Describe(Cron);

    /// <summary>Returns the next fire times after <paramref name="from"/>.</summary>
    public IReadOnlyList<DateTimeOffset> NextFires(DateTimeOffset from, int count)
    {
        var format = Cron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard;
        var expr = CronExpression.Parse(Cron, format);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(TimeZone);
        var list = new List<DateTimeOffset>();
        var at = from;
        while (list.Count < count && expr.GetNextOccurrence(at, zone) is { } next)
        {
            list.Add(next);
            at = next;
        }

        return list;
    }
}

/// <summary>Who created an API schedule and who changed it last.</summary>
/// <param name="CreatedBy">The user who created it.</param>
/// <param name="CreatedAt">When.</param>
/// <param name="UpdatedBy">The user who changed it last (the creator until someone edits it).</param>
/// <param name="UpdatedAt">When.</param>
public sealed record ScheduleAuthor(string CreatedBy, DateTimeOffset CreatedAt, string UpdatedBy, DateTimeOffset UpdatedAt);

/// <summary>What a fire did.</summary>
/// <param name="Outcome">started, skipped or failed.</param>
/// <param name="Message">A readable explanation.</param>
/// <param name="RunId">The run started, or for a skip the run still going.</param>
/// <param name="Errors">Input problems by field, when the inputs are invalid.</param>
public sealed record FireResult(string Outcome, string Message, Guid? RunId = null, IReadOnlyDictionary<string, string[]>? Errors = null);

/// <summary>
/// Keeps one Hangfire recurring job (<c>schedule:&lt;workflow&gt;:&lt;name&gt;</c>) per active schedule: reconciles on start and
/// whenever the catalog changes (added, edited, removed definitions), removes jobs of paused or vanished schedules, and fires runs
/// with the overlap policy applied.
/// </summary>
public sealed class ScheduleManager(
    WorkflowCatalog catalog,
    IRecurringJobManager recurring,
    JobStorage storage,
    TriggerStore store,
    IRunCommands commands,
    IRunQueries queries,
    IOptions<ScheduleOptions> options,
    TimeProvider clock,
    ILogger<ScheduleManager> logger) : IDisposable
{
    /// <summary>The prefix of the recurring job ids this manager owns.</summary>
    public const string Prefix = "schedule:";

    private static readonly RunStatus[] Active = [RunStatus.Queued, RunStatus.Running, RunStatus.WaitingForApproval, RunStatus.Cancelling, RunStatus.Compensating];
    private readonly SemaphoreSlim gate = new(1, 1);

    /// <summary>Returns the recurring job id of a schedule.</summary>
    public static string JobId(string workflow, string name) => $"{Prefix}{workflow}:{name}";

    /// <summary>Lists the schedules declared in the active definitions.</summary>
    public IReadOnlyList<ScheduleInfo> ListDeclared() =>
        catalog.List().SelectMany(d => d.Triggers.Where(t => t.Kind == TriggerKind.Schedule && t.Cron is not null).Select((t, i) => new ScheduleInfo(
            d.Name,
            t.Name ?? (i == 0 ? d.Name : $"{d.Name}-{i + 1}"),
            t.Cron!,
            t.TimeZone ?? "UTC",
            t.Overlap ?? "skip",
            t.Inputs,
            d.Source))).ToList();

    /// <summary>Lists every schedule: declared in definitions, then created through the API.</summary>
    public async Task<IReadOnlyList<ScheduleInfo>> ListAsync(CancellationToken ct = default)
    {
        var declared = ListDeclared();
        var api = await store.ListApiSchedulesAsync(ct);
        return [.. declared, .. api.Where(a => !declared.Any(d => d.Id == a.Id))];
    }

    /// <summary>Finds a schedule, or null.</summary>
    public async Task<ScheduleInfo?> FindAsync(string workflow, string name, CancellationToken ct = default) =>
        (await ListAsync(ct)).FirstOrDefault(s => s.Workflow == workflow && s.Name == name);

    /// <summary>
    /// What an API response or the portal shows instead of a secret input's value. Sent back unchanged in an update
    /// (GET, edit, PUT), it keeps the stored value.
    /// </summary>
    public const string SecretMask = "***";

    /// <summary>Returns the schedule with the values of its workflow's secret inputs replaced by <see cref="SecretMask"/>, for display.</summary>
    public ScheduleInfo Masked(ScheduleInfo s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var secrets = SecretInputs(s.Workflow);
        if (!s.Inputs.Any(kv => kv.Value is not null && secrets.Contains(kv.Key)))
        {
            return s;
        }

        var copy = (JsonObject)s.Inputs.DeepClone();
        foreach (var name in secrets.Where(n => copy[n] is not null))
        {
            copy[name] = SecretMask;
        }

        return s with { Inputs = copy };
    }

    /// <summary>
    /// Returns <paramref name="incoming"/> with every secret input whose value is <see cref="SecretMask"/> (or, when
    /// <paramref name="keepMissing"/>, that is absent — the portal never edits secrets) set to the stored schedule's value.
    /// </summary>
    public async Task<ScheduleInfo> WithStoredSecretsAsync(ScheduleInfo incoming, bool keepMissing, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(incoming);
        var secrets = SecretInputs(incoming.Workflow);
        if (secrets.Count == 0)
        {
            return incoming;
        }

        var stored = await store.GetApiScheduleAsync(incoming.Workflow, incoming.Name, ct);
        var copy = (JsonObject)incoming.Inputs.DeepClone();
        foreach (var name in secrets)
        {
            var masked = copy[name] is JsonValue v && v.TryGetValue<string>(out var text) && text == SecretMask;
            if (masked || (keepMissing && !copy.ContainsKey(name)))
            {
                copy.Remove(name);
                if (stored?.Inputs[name] is { } kept)
                {
                    copy[name] = kept.DeepClone();
                }
            }
        }

        return incoming with { Inputs = copy };
    }

    private HashSet<string> SecretInputs(string workflow) =>
        catalog.Get(workflow)?.Inputs.Where(i => i.IsSecret).Select(i => i.Name).ToHashSet(StringComparer.Ordinal) ?? [];

    /// <summary>Checks an API schedule; returns the problems by field (empty when valid).</summary>
    public Dictionary<string, string[]> Validate(ScheduleInfo s)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var def = catalog.Get(s.Workflow);
        if (def is null)
        {
            errors["workflow"] = [$"workflow '{s.Workflow}' does not exist"];
        }

        if (!System.Text.RegularExpressions.Regex.IsMatch(s.Name, "^[a-z0-9][a-z0-9-]{0,62}$"))
        {
            errors["name"] = ["must match ^[a-z0-9][a-z0-9-]{0,62}$"];
        }
        else if (ListDeclared().Any(d => d.Id == s.Id))
        {
            errors["name"] = [$"'{s.Name}' is declared in {s.Workflow}'s definition; edit the file instead"];
        }

        foreach (var (field, messages) in ValidateTiming(s))
        {
            errors[field] = messages;
        }

        if (s.Overlap is not ("skip" or "queue" or "allow"))
        {
            errors["overlap"] = [$"'{s.Overlap}' is not valid: use skip, queue or allow"];
        }

        if (def is not null)
        {
            try
            {
                var sample = new JsonScope(new JsonObject { ["schedule"] = new JsonObject { ["name"] = s.Name, ["workflow"] = s.Workflow, ["time"] = clock.GetUtcNow().ToString("O") } });
                var inputs = (Template.EvaluateTree(s.Inputs, sample) as JsonObject ?? []).Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
                InputValidator.Validate(def, inputs);
            }
            catch (InputValidationException e)
            {
                foreach (var g in e.Errors.GroupBy(x => x.Field))
                {
                    errors[g.Key] = g.Select(x => x.Message).ToArray();
                }
            }
            catch (ExpressionException e)
            {
                errors["inputs"] = [e.Message];
            }
        }

        return errors;
    }

    /// <summary>Checks a schedule's cron expression and time zone; returns the problems by field (<c>cron</c>, <c>timezone</c>).</summary>
    public static Dictionary<string, string[]> ValidateTiming(ScheduleInfo s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(s.Cron))
        {
            errors["cron"] = ["is required: 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first"];
        }
        else
        {
            try
            {
                CronExpression.Parse(s.Cron, s.Cron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
            }
            catch (CronFormatException e)
            {
                errors["cron"] = [$"'{s.Cron}' is not a valid cron expression (5 fields, or 6 with seconds first): {e.Message}"];
            }
        }

        if (!TimeZoneInfo.TryFindSystemTimeZoneById(s.TimeZone, out _))
        {
            errors["timezone"] = [$"unknown time zone '{s.TimeZone}' (use an IANA name such as Europe/Berlin)"];
        }

        return errors;
    }

    /// <summary>Creates or replaces an API schedule and reconciles; returns false when it already exists (create) or does not (replace).</summary>
    public async Task<bool> SaveAsync(ScheduleInfo s, string actor, bool create, CancellationToken ct)
    {
        if (!await store.SaveApiScheduleAsync(s with { Origin = ScheduleInfo.ApiOrigin }, actor, create, ct))
        {
            return false;
        }

        logger.LogInformation("Schedule {Schedule} {Action} by {Actor}: {Cron} ({TimeZone})", s.Id, create ? "created" : "updated", actor, s.Cron, s.TimeZone);
        await ReconcileAsync(ct);
        return true;
    }

    /// <summary>Deletes an API schedule and its recurring job; returns whether it existed.</summary>
    public async Task<bool> DeleteAsync(ScheduleInfo s, string actor, CancellationToken ct)
    {
        if (!await store.DeleteApiScheduleAsync(s.Id, ct))
        {
            return false;
        }

        logger.LogInformation("Schedule {Schedule} deleted by {Actor}", s.Id, actor);
        await ReconcileAsync(ct);
        return true;
    }

    /// <summary>Reconciles now and whenever the catalog changes (unless <c>Schedules:Enabled</c> is false).</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        catalog.Changed += OnCatalogChanged;
        await ReconcileAsync(cancellationToken);
    }

    /// <summary>Stops following the catalog.</summary>
    public void Stop() => catalog.Changed -= OnCatalogChanged;

    /// <inheritdoc />
    public void Dispose()
    {
        catalog.Changed -= OnCatalogChanged;
        gate.Dispose();
    }

    /// <summary>Adds or updates the recurring jobs of active, unpaused schedules and removes every other <c>schedule:</c> job.</summary>
    public async Task ReconcileAsync(CancellationToken ct = default)
    {
        await gate.WaitAsync(ct);
        try
        {
            var states = await store.ListScheduleStatesAsync(ct);
            var wanted = new HashSet<string>(StringComparer.Ordinal);
            foreach (var s in await ListAsync(ct))
            {
                if ((states.TryGetValue(s.Id, out var st) && st.Paused) || catalog.Get(s.Workflow) is null)
                {
                    continue;
                }

                wanted.Add(s.Id);
                recurring.AddOrUpdate<ScheduleJob>(
                    s.Id,
                    j => j.FireAsync(s.Workflow, s.Name, null, CancellationToken.None),
                    s.Cron,
                    new RecurringJobOptions { TimeZone = TimeZoneInfo.FindSystemTimeZoneById(s.TimeZone), MisfireHandling = options.Value.MisfireHandling });
            }

            using var connection = storage.GetConnection();
            foreach (var job in connection.GetRecurringJobs().Where(j => j.Id.StartsWith(Prefix, StringComparison.Ordinal) && !wanted.Contains(j.Id)))
            {
                recurring.RemoveIfExists(job.Id);
                logger.LogInformation("Removed recurring job {JobId}: its schedule is paused or no longer declared", job.Id);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Returns the ids of the recurring jobs this manager owns in Hangfire's storage, with their cron and time zone.</summary>
    public IReadOnlyList<(string Id, string Cron, string? TimeZoneId)> RecurringJobs()
    {
        using var connection = storage.GetConnection();
        return connection.GetRecurringJobs().Where(j => j.Id.StartsWith(Prefix, StringComparison.Ordinal)).Select(j => (j.Id, j.Cron, (string?)j.TimeZoneId)).ToList();
    }

    /// <summary>Pauses or resumes a schedule.</summary>
    public async Task SetPausedAsync(ScheduleInfo schedule, bool paused, string actor, CancellationToken ct)
    {
        await store.SetPausedAsync(schedule.Id, paused, actor, ct);
        logger.LogInformation("Schedule {Schedule} {Action} by {Actor}", schedule.Id, paused ? "paused" : "resumed", actor);
        await ReconcileAsync(ct);
    }

    /// <summary>Fires a schedule: applies pause (unless <paramref name="manualBy"/> is set) and overlap, maps the inputs and starts the run.</summary>
    /// <param name="workflow">The workflow.</param>
    /// <param name="name">The schedule.</param>
    /// <param name="fireTime">The scheduled time (the run's trigger reference).</param>
    /// <param name="manualBy">The user who asked to run it now, or null for Hangfire.</param>
    /// <param name="ct">Cancellation.</param>
    public async Task<FireResult> FireAsync(string workflow, string name, DateTimeOffset fireTime, string? manualBy, CancellationToken ct)
    {
        var schedule = await FindAsync(workflow, name, ct);
        if (schedule is null)
        {
            recurring.RemoveIfExists(JobId(workflow, name));
            logger.LogWarning("Schedule {Workflow}/{Name} fired but is no longer declared; its recurring job was removed", workflow, name);
            return new FireResult("failed", $"schedule '{name}' of '{workflow}' is no longer declared");
        }

        var state = await store.GetScheduleStateAsync(schedule.Id, ct);
        if (state.Paused && manualBy is null)
        {
            return await RecordAsync(schedule, fireTime, new FireResult("skipped", $"schedule is paused (by {state.ChangedBy})"), ct);
        }

        if (schedule.Overlap == "skip")
        {
            var page = await queries.ListAsync(new RunFilter { Workflow = workflow, TriggerKind = TriggerKind.Schedule, Statuses = Active, PageSize = 500 }, ct);
            if (page.Items.FirstOrDefault(r => r.Trigger.Actor == name) is { } going)
            {
                return await RecordAsync(schedule, fireTime, new FireResult("skipped", $"overlap skip: run {going.Id} started by this schedule is still {going.Status.ToString().ToLowerInvariant()}", going.Id), ct);
            }
        }

        var reference = manualBy is null ? fireTime.ToString("O") : $"{fireTime:O} (run now by {manualBy})";
        try
        {
            var scope = new JsonScope(new JsonObject { ["schedule"] = new JsonObject { ["name"] = name, ["workflow"] = workflow, ["time"] = fireTime.ToString("O") } });
            var inputs = (Template.EvaluateTree(schedule.Inputs, scope) as JsonObject ?? []).Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
            var run = await commands.StartAsync(new StartRunRequest(workflow, inputs, new TriggerInfo(TriggerKind.Schedule, name, reference)), ct);
            return await RecordAsync(schedule, fireTime, new FireResult("started", $"run {run.Id} {(run.Status == RunStatus.Queued ? "queued" : "started")}", run.Id), ct);
        }
        catch (InputValidationException e)
        {
            var errors = e.Errors.GroupBy(x => x.Field).ToDictionary(g => g.Key, g => g.Select(x => x.Message).ToArray(), StringComparer.Ordinal);
            return await RecordAsync(schedule, fireTime, new FireResult("failed", $"invalid inputs: {e.Message}", null, errors), ct);
        }
        catch (Exception e) when (e is WorkflowNotFoundException or ExpressionException)
        {
            return await RecordAsync(schedule, fireTime, new FireResult("failed", e.Message), ct);
        }
        catch (PlanHasErrorsException e)
        {
            // plan: required and the plan has errors: no run, and the fire says why.
            return await RecordAsync(schedule, fireTime, new FireResult("failed", $"refused: the plan has {e.Plan.Summary.Errors} error(s), no run was started: {string.Join("; ", e.Errors)}"), ct);
        }
    }

    private async Task<FireResult> RecordAsync(ScheduleInfo schedule, DateTimeOffset fireTime, FireResult result, CancellationToken ct)
    {
        await store.RecordFireAsync(schedule.Id, fireTime, result.Outcome, result.Message, result.RunId, ct);
        if (result.Outcome == "failed")
        {
            logger.LogWarning("Schedule {Schedule} fire at {Time} failed: {Message}", schedule.Id, fireTime, result.Message);
        }
        else
        {
            logger.LogInformation("Schedule {Schedule} fire at {Time}: {Outcome} {Message}", schedule.Id, fireTime, result.Outcome, result.Message);
        }

        return result;
    }

    private void OnCatalogChanged() => _ = ReconcileSafeAsync();

    private async Task ReconcileSafeAsync()
    {
        try
        {
            await ReconcileAsync();
        }
        catch (Exception e) when (e is InvalidOperationException or System.Data.Common.DbException or TimeZoneNotFoundException or ObjectDisposedException)
        {
            logger.LogError(e, "Reconciling schedules after a definition change failed");
        }
    }

    /// <summary>The time Hangfire meant to fire, from the job's <c>Time</c> parameter, else its creation time.</summary>
    internal DateTimeOffset FireTimeOf(PerformContext? context)
    {
        if (context?.GetJobParameter<long?>("Time") is { } seconds)
        {
            return DateTimeOffset.FromUnixTimeSeconds(seconds);
        }

        return context?.BackgroundJob?.CreatedAt is { } created ? new DateTimeOffset(DateTime.SpecifyKind(created, DateTimeKind.Utc)) : clock.GetUtcNow();
    }
}

/// <summary>The Hangfire job of a schedule's recurring job.</summary>
public sealed class ScheduleJob(ScheduleManager manager)
{
    /// <summary>Fires the schedule. Never retried by Hangfire: a failed fire is recorded and the next one comes at its time.</summary>
    [AutomaticRetry(Attempts = 0)]
    [JobDisplayName("Schedule {0}/{1}")]
    public async Task FireAsync(string workflow, string name, PerformContext? context, CancellationToken cancellationToken) =>
        await manager.FireAsync(workflow, name, manager.FireTimeOf(context), null, cancellationToken);
}
