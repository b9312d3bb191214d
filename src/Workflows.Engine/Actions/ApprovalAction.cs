using System.Text.Json;
using System.Text.Json.Nodes;
using Workflows.Abstractions.Actions;
using Workflows.Engine.Definitions;

namespace Workflows.Engine.Actions;

/// <summary>Inputs of <c>core.approval</c>.</summary>
public sealed class ApprovalInputs
{
    /// <summary>Gets or sets what the approver is asked.</summary>
    public string Message { get; set; } = "Approve to continue";

    /// <summary>Gets or sets how long the request stays open, e.g. <c>24h</c>. Default is 24h.</summary>
    public string ExpiresIn { get; set; } = "24h";

    /// <summary>
    /// Gets or sets who may decide: <c>{ roles: [...], groups: [...], users: [...] }</c>. Default is any operator.
    /// Read at load time into <see cref="Workflows.Abstractions.Definitions.StepDefinition.Approval"/>, which the engine enforces.
    /// </summary>
    public JsonNode? Approvers { get; set; }

    /// <summary>Gets or sets how many different people must approve. Default is 1.</summary>
    public int Required { get; set; } = 1;

    /// <summary>Gets or sets whether the run's starter may approve it. Default is false.</summary>
    public bool AllowSelfApproval { get; set; }

    /// <summary>Gets or sets what the expiry decides: <c>reject</c> or <c>approve</c>. Default is reject.</summary>
    public string OnExpiry { get; set; } = "reject";
}

/// <summary>Outputs of <c>core.approval</c>.</summary>
/// <param name="Approved">Always true (a rejection fails the step).</param>
/// <param name="By">Who approved (comma-separated when several had to), or <c>expiry</c> under <c>onExpiry: approve</c>.</param>
/// <param name="Comment">Their comment.</param>
/// <param name="At">When.</param>
public sealed record ApprovalOutputs(bool Approved, string By, string? Comment, DateTimeOffset At);

/// <summary><c>core.approval</c>: waits for an operator's decision (approve or reject), up to an expiry.</summary>
public sealed class ApprovalAction : StepAction<ApprovalInputs, ApprovalOutputs>, IPlannableAction
{
    /// <summary>The name the action is registered under; definitions, the approval policy and notifications match steps by it.</summary>
    public const string Name = "core.approval";

    /// <inheritdoc />
    public Task<StepPlan> PlanAsync(PlanContext context)
    {
        var inputs = context.GetInputs<ApprovalInputs>();
        var plan = new StepPlanBuilder();
        var message = context.WhenKnown("message") is { } when ? $"a message {when}" : $"\"{inputs.Message}\"";
        if (context.IsKnown("expiresIn"))
        {
            if (Duration.TryParse(inputs.ExpiresIn, out var err) is { } d)
            {
                var atExpiry = inputs.OnExpiry == "approve" ? "approves the step" : "fails the step";
                plan.Passed("expiresIn", $"the request stays open {inputs.ExpiresIn} ({d}); no decision by then {atExpiry}");
            }
            else
            {
                plan.Error("expiresIn", "with.expiresIn", err ?? "not a duration");
            }
        }

        return Task.FromResult(plan.Build(PlanAction.NoChange, $"waits for an operator to approve {message}"));
    }

    /// <inheritdoc />
    protected override Task<StepResult> ExecuteAsync(ApprovalInputs inputs, StepContext context)
    {
        var now = context.Clock.GetUtcNow();
        var state = context.GetState<ApprovalState>();
        if (state is null)
        {
            var d = Duration.TryParse(inputs.ExpiresIn, out var err)
                ?? throw new StepFailedException("inputs.invalid", $"with.expiresIn: {err}", retryable: false);
            // The message is kept in the step's state and shown in the inbox, the decision dialog and notifications:
            // a secret interpolated into it (message: "… ${{ inputs.password }}") is masked before it is kept.
            state = new ApprovalState(now + d, context.Redact(inputs.Message), now);
            context.Log.WriteLine($"Approval requested: {state.Message} (expires {state.ExpiresAt:u})");
        }

        if (context.Signal is { Name: "approval" } s)
        {
            var approved = s.Payload.TryGetProperty("approved", out var a) && a.ValueKind == JsonValueKind.True;
            var comment = s.Payload.TryGetProperty("comment", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;

            // With required: n, the signal comes with the last approval and names everyone who approved.
            var by = s.Payload.TryGetProperty("by", out var b) && b.ValueKind == JsonValueKind.String ? b.GetString()! : s.Actor;
            context.Log.WriteLine($"{(approved ? "Approved" : "Rejected")} by {by}{(comment is null ? "" : $": {comment}")}");
            return Task.FromResult<StepResult>(approved
                ? Completed(new ApprovalOutputs(true, by, comment, s.At))
                : StepResult.Failed("approval.rejected", $"Rejected by {by}{(comment is null ? "" : $": {comment}")}", retryable: false));
        }

        if (now >= state.ExpiresAt)
        {
            if (inputs.OnExpiry == "approve")
            {
                context.Log.WriteLine($"No decision before {state.ExpiresAt:u}: approved by expiry (onExpiry: approve)");
                return Task.FromResult<StepResult>(Completed(new ApprovalOutputs(true, "expiry", null, state.ExpiresAt)));
            }

            return Task.FromResult<StepResult>(StepResult.Failed("approval.expired", $"No decision before {state.ExpiresAt:u}", retryable: false));
        }

        // The decision triggers an immediate poll; this one only catches the expiry.
        var wait = state.ExpiresAt - now;
        return Task.FromResult<StepResult>(StepResult.Pending(wait < TimeSpan.FromHours(1) ? wait : TimeSpan.FromHours(1), $"waiting for approval: {inputs.Message}", state));
    }

}

/// <summary>What <c>core.approval</c> keeps between polls; the approvals inbox reads it too.</summary>
/// <param name="ExpiresAt">When the request expires.</param>
/// <param name="Message">The evaluated message (null in states written before it was kept).</param>
/// <param name="RequestedAt">When the request was first made.</param>
internal sealed record ApprovalState(DateTimeOffset ExpiresAt, string? Message = null, DateTimeOffset? RequestedAt = null);
