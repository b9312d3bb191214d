using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Actions;
using Workflows.Engine.Execution.Machine;
using Workflows.Engine.Storage;

namespace Workflows.Engine.Execution;

/// <summary>Bulk operations: one action over many runs, each run in its own transaction.</summary>
public sealed partial class RunCommands
{
    /// <summary>How many runs are worked on at once on PostgreSQL (SQLite has one writer, so it works on one at a time).</summary>
    private const int PostgresParallelism = 4;

    /// <inheritdoc />
    public async Task<BulkResult> BulkAsync(BulkRequest request, CancellationToken cancellationToken = default)
    {
        if ((request.Ids is null) == (request.Filter is null))
        {
            throw new InputValidationException([new FieldError("ids", "give either 'ids' or 'filter', not both and not neither")]);
        }

        IReadOnlyList<Guid> ids;
        if (request.Ids is { } given)
        {
            if (given.Count > BulkRequest.MaxRuns)
            {
                throw new InputValidationException([new FieldError("ids", $"names {given.Count:N0} runs; at most {BulkRequest.MaxRuns:N0} per request")]);
            }

            ids = given.Distinct().ToList();
        }
        else
        {
            ids = await queries.ListIdsAsync(request.Filter!, BulkRequest.MaxRuns + 1, cancellationToken);
            if (ids.Count > BulkRequest.MaxRuns)
            {
                throw new InputValidationException([new FieldError("filter", $"matches more than {BulkRequest.MaxRuns:N0} runs; narrow it (e.g. with from and to) and repeat")]);
            }
        }

        var bulk = new BulkTag($"bulk-{Guid.NewGuid():N}"[..17], request.Action, request.Actor, request.Comment) { Roles = request.Roles, Groups = request.Groups };
        logger.LogInformation("Bulk operation {BulkId}: {Action} of {Count} runs requested by {Actor}", bulk.Id, request.Action, ids.Count, request.Actor);

        // Each run is its own short transaction, so a thousand runs never hold one long lock, and a run that fails
        // changes nothing for the others. Past this point the operation is not cancelled by the client going away:
        // every run it reached is either done or untouched, and the audit says which.
        var results = new BulkRunResult[ids.Count];
        var parallelism = store.Database.Kind == DatabaseKind.Postgres ? PostgresParallelism : 1;
        await Parallel.ForEachAsync(
            Enumerable.Range(0, ids.Count),
            new ParallelOptions { MaxDegreeOfParallelism = parallelism },
            async (i, _) => results[i] = await OneAsync(ids[i], bulk));
        var result = new BulkResult(bulk.Id, request.Action, results);
        logger.LogInformation("Bulk operation {BulkId}: {Ok} done, {Skipped} skipped, {Errors} failed", bulk.Id, result.Ok, result.Skipped, result.Errors);
        return result;
    }

    private async Task<BulkRunResult> OneAsync(Guid id, BulkTag bulk)
    {
        var ct = CancellationToken.None;
        var reason = bulk.Comment is { Length: > 0 } c ? $"{c} (bulk operation {bulk.Id})" : $"bulk operation {bulk.Id}";
        try
        {
            switch (bulk.Action)
            {
                case BulkAction.Cancel:
                    await CancelCoreAsync(id, bulk.Actor, reason, bulk, ct);
                    return new(id, BulkOutcome.Ok);
                case BulkAction.Retry:
                    await RetryCoreAsync(id, new RetryRequest(bulk.Actor), bulk, ct);
                    return new(id, BulkOutcome.Ok);
                default:
                    return await DecideAllAsync(id, bulk, ct);
            }
        }
        catch (RunStateException e)
        {
            return new(id, BulkOutcome.Skipped, e.Message);
        }
        catch (ApprovalNotAllowedException e)
        {
            return new(id, BulkOutcome.Refused, e.Message);
        }
        catch (RunNotFoundException e)
        {
            return new(id, BulkOutcome.Error, e.Message);
        }
        catch (InputValidationException e)
        {
            return new(id, BulkOutcome.Error, string.Join("; ", e.Errors.Select(f => $"{f.Field}: {f.Message}")));
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            logger.LogWarning(e, "Bulk operation {BulkId}: {Action} of run {RunId} failed", bulk.Id, bulk.Action, id);
            return new(id, BulkOutcome.Error, $"{e.GetType().Name}: {e.Message}");
        }
    }

    private async Task<BulkRunResult> DecideAllAsync(Guid id, BulkTag bulk, CancellationToken ct)
    {
        var loaded = await store.LoadAsync(id.ToString(), ct) ?? throw new RunNotFoundException($"Run {id} does not exist.");
        var def = await catalog.GetVersionAsync(loaded.Run.Version, ct);
        var waiting = loaded.Steps
            .Where(s => s.Kind == StepKinds.Step && s.Signal is null && s.Status is StepStatus.Waiting or StepStatus.Running && def?.FindStep(s.StepId)?.Uses == ApprovalAction.Name)
            .Select(s => s.StepId)
            .ToList();
        if (loaded.Run.Status != RunStatus.Running || waiting.Count == 0)
        {
            return new(id, BulkOutcome.Skipped, $"Run {id} is {loaded.Run.Status.ToString().ToLowerInvariant()} and waits for no approval.");
        }

        foreach (var step in waiting)
        {
            await DecideCoreAsync(id, step, new ApprovalDecision(bulk.Action == BulkAction.Approve, bulk.Actor, bulk.Comment) { Roles = bulk.Roles, Groups = bulk.Groups }, bulk, ct);
        }

        return new(id, BulkOutcome.Ok);
    }

    /// <summary>Marks a change as part of a bulk operation: an audit event in the same transaction as the change.</summary>
    private sealed record BulkTag(string Id, BulkAction Action, string Actor, string? Comment)
    {
        public IReadOnlyList<string> Roles { get; init; } = [];

        public IReadOnlyList<string> Groups { get; init; } = [];

        public void Write(RunMachine machine, RunTx tx) =>
            machine.Audit(
                tx,
                "run.bulk",
                $"Part of bulk operation {Id} ({Action.ToString().ToLowerInvariant()}) requested by {Actor}",
                actor: Actor,
                data: new JsonObject { ["bulkId"] = Id, ["action"] = Action.ToString().ToLowerInvariant(), ["comment"] = Comment });
    }
}
