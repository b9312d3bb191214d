using System.Text.Json;
using Workflows.Abstractions;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Actions;
using Workflows.Engine.Definitions;
using Workflows.Engine.Storage;

namespace Workflows.Engine.Execution;

/// <summary>
/// The read side of approvals: which runs wait for a decision (reported as <see cref="RunStatus.WaitingForApproval"/>)
/// and the inbox of pending requests. Derived from Running runs, their undecided <c>core.approval</c> steps and the
/// decisions in <c>wf_approvals</c>; nothing here is stored.
/// </summary>
public sealed class ApprovalQueries(RunStore store, WorkflowCatalog catalog) : IApprovalQueries
{
    /// <inheritdoc />
    public async Task<IReadOnlyList<PendingApproval>> ListPendingAsync(Approver caller, CancellationToken cancellationToken = default) =>
        await PendingAsync(null, null, caller, cancellationToken);

    /// <inheritdoc />
    public async Task<PendingApproval?> GetPendingAsync(Guid runId, string stepId, Approver caller, CancellationToken cancellationToken = default) =>
        (await PendingAsync([runId.ToString()], stepId, caller, cancellationToken)).SingleOrDefault();

    /// <summary>Returns the ids of the runs (among <paramref name="runIds"/>, or all when null) that wait for an approval.</summary>
    internal async Task<HashSet<string>> WaitingRunIdsAsync(IReadOnlyCollection<string>? runIds, CancellationToken ct) =>
        (await FindAsync(runIds, null, ct)).Select(w => w.Row.RunId).ToHashSet(StringComparer.Ordinal);

    private async Task<List<PendingApproval>> PendingAsync(IReadOnlyCollection<string>? runIds, string? stepId, Approver caller, CancellationToken ct)
    {
        var waiting = await FindAsync(runIds, stepId, ct);
        if (waiting.Count == 0)
        {
            return [];
        }

        var ids = waiting.Select(w => w.Row.RunId).Distinct().ToList();
        var decisions = await store.ReadModel.ApprovalsAsync(ids, ct);
        var plans = await store.GetRunPlansAsync(ids, ct);
        var list = new List<PendingApproval>();
        foreach (var (w, step) in waiting)
        {
            var policy = step.Approval ?? ApprovalPolicy.Default;
            var approvedBy = decisions.Where(a => a.RunId == w.RunId && a.StepId == w.StepId && a.Attempt == w.Attempt && a.Approved).OrderBy(a => a.At).Select(a => a.Actor).ToList();
            var starter = w.TriggerKind is nameof(TriggerKind.Portal) or nameof(TriggerKind.Api) ? w.TriggerActor : null;
            var state = ReadState(w.State);
            var whyNot = policy.WhyNotAllowed(caller, starter, approving: true, approvedBy);
            list.Add(new PendingApproval
            {
                RunId = Guid.Parse(w.RunId),
                Workflow = w.Workflow,
                StepId = w.StepId,
                StepName = step.Name,
                Message = state?.Message ?? (step.With["message"]?.ToString() is { } m && !m.Contains("${{", StringComparison.Ordinal) ? m : "Approve to continue"),
                RequestedBy = w.TriggerActor,
                Since = state?.RequestedAt ?? DateTimeOffset.FromUnixTimeMilliseconds(w.StartedAt ?? w.CreatedAt),
                PlanSummary = plans.TryGetValue(w.RunId, out var plan) ? PlanSummaryOf(plan) : null,
                ExpiresAt = state?.ExpiresAt,
                OnExpiry = policy.OnExpiry,
                Required = policy.Required,
                ApprovedBy = approvedBy,
                Policy = policy.Describe(),
                Approvers = policy.DescribeApprovers(),
                CanApprove = whyNot is null,
                CanReject = policy.WhyNotAllowed(caller, starter, approving: false, approvedBy) is null,
                WhyNot = whyNot,
            });
        }

        return list.OrderBy(p => p.Since).ThenBy(p => p.RunId).ToList();
    }

    private async Task<List<(UndecidedStepRow Row, StepDefinition Step)>> FindAsync(IReadOnlyCollection<string>? runIds, string? stepId, CancellationToken ct)
    {
        if (runIds is { Count: 0 })
        {
            return [];
        }

        // Undecided steps of running runs; which of them are approvals only the run's definition version knows.
        var rows = await store.ReadModel.UndecidedStepsAsync(runIds, stepId, ct);
        var found = new List<(UndecidedStepRow, StepDefinition)>();
        foreach (var byVersion in rows.GroupBy(r => r.Version))
        {
            if (await catalog.GetVersionAsync(byVersion.Key, ct) is not { } def)
            {
                continue;
            }

            foreach (var w in byVersion)
            {
                if (def.FindStep(w.StepId) is { Uses: ApprovalAction.Name } step)
                {
                    found.Add((w, step));
                }
            }
        }

        return found;
    }

    private static string? PlanSummaryOf(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<WorkflowPlan>(json, JsonDefaults.Options) is { } plan ? RunPlans.Summary(plan) : null;
        }
        catch (JsonException)
        {
            return "Plan: on record, but not readable by this version";
        }
    }

    private static ApprovalState? ReadState(string? json)
    {
        if (json is null)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<ApprovalState>(json, JsonDefaults.Options);
        }
        catch (JsonException)
        {
            return null; // a state from another shape: the inbox falls back to the definition's message and the step's start.
        }
    }
}
