using System.Text.Json.Nodes;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Execution.Machine;
using Workflows.Engine.Storage;

namespace Workflows.Engine.Execution;

/// <summary>
/// Applies a step's approval policy to one decision, inside the run's transaction: refuses it (nothing changes), records
/// an approval that is not yet enough, or delivers the decision to the waiting step once the policy is met.
/// </summary>
/// <remarks>
/// The decisions of a request live in <c>wf_approvals</c>, keyed by run, step, attempt and person, and are read under the
/// run's lock, so two people approving at the same moment are counted one after the other: exactly one of them completes
/// an n-of-m request. A retried step asks again (a new attempt); earlier approvals do not count for it.
/// Audit kinds (stable; notifications read them): <c>approval.approved</c> for each approval (its data says
/// <c>received</c> of <c>required</c>), <c>approval.rejected</c> for a rejection, which decides at once.
/// </remarks>
internal static class ApprovalGate
{
    /// <summary>Who started the run in person (portal or API), or null for schedules, webhooks and parent runs.</summary>
    public static string? Starter(RunRow run) =>
        run.TriggerKind is nameof(TriggerKind.Portal) or nameof(TriggerKind.Api) ? run.TriggerActor : null;

    /// <summary>The approvals already given for the step's current request.</summary>
    public static List<string> ApprovedBy(IEnumerable<ApprovalRow> decisions, StepRow row) =>
        decisions.Where(a => a.StepId == row.StepId && a.Attempt == row.Attempt && a.Approved).OrderBy(a => a.At).Select(a => a.Actor).ToList();

    /// <summary>Decides, or throws <see cref="ApprovalNotAllowedException"/> when the policy refuses.</summary>
    public static void Decide(RunMachine machine, RunTx t, WorkflowDefinition def, StepRow row, ApprovalPolicy policy, ApprovalDecision decision)
    {
        var approver = decision.Approver;
        var approvedBy = ApprovedBy(t.Approvals, row);
        if (policy.WhyNotAllowed(approver, Starter(t.Run), decision.Approved, approvedBy) is { } why)
        {
            throw new ApprovalNotAllowedException(why, policy.Describe());
        }

        var via = policy.Grant(approver)!;
        t.NewApprovals.Add(new ApprovalRow
        {
            RunId = t.Run.Id, StepId = row.StepId, Attempt = row.Attempt, Actor = approver.Name, Approved = decision.Approved, Via = via, Comment = decision.Comment, At = machine.Now,
        });
        if (decision.Approved)
        {
            approvedBy.Add(approver.Name);
        }

        var received = approvedBy.Count;
        var data = new JsonObject
        {
            ["approved"] = decision.Approved,
            ["approver"] = approver.Name,
            ["via"] = via,
            ["roles"] = new JsonArray(approver.Roles.Select(r => (JsonNode?)r).ToArray()),
            ["groups"] = new JsonArray(approver.Groups.Select(g => (JsonNode?)g).ToArray()),
            ["comment"] = decision.Comment,
            ["received"] = received,
            ["required"] = policy.Required,
        };
        var comment = string.IsNullOrWhiteSpace(decision.Comment) ? "" : $": {decision.Comment}";
        var who = Workflows.Abstractions.Accounts.Actors.Display(approver.Name); // the message reads "alice (SSO)"; the actor column keeps the id
        var stepId = row.StepId;
        if (!decision.Approved)
        {
            machine.Signal(t, row, def, "approval", approver.Name, new JsonObject { ["approved"] = false, ["comment"] = decision.Comment });
            machine.Audit(t, "approval.rejected", $"Step '{stepId}' rejected by {who} (as {via}){comment}", stepId, approver.Name, data);
            return;
        }

        if (received < policy.Required)
        {
            machine.Audit(t, "approval.approved", $"Step '{stepId}' approved by {who} (as {via}){comment}; {received} of {policy.Required} approvals, waiting for more", stepId, approver.Name, data);
            return;
        }

        var by = string.Join(", ", approvedBy.Select(Workflows.Abstractions.Accounts.Actors.Display));
        machine.Signal(t, row, def, "approval", approver.Name, new JsonObject { ["approved"] = true, ["comment"] = decision.Comment, ["by"] = by });
        var count = policy.Required == 1 ? "" : $"; {received} of {policy.Required} approvals ({by})";
        machine.Audit(t, "approval.approved", $"Step '{stepId}' approved by {who} (as {via}){comment}{count}", stepId, approver.Name, data);
    }
}
