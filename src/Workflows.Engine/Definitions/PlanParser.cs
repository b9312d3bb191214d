using System.Text.Json.Nodes;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Yaml;
using Workflows.Engine.Actions;
using YamlDotNet.RepresentationModel;

namespace Workflows.Engine.Definitions;

/// <summary>What <c>plan: required</c> asks for: the policy and expiry of the approval of the plan.</summary>
/// <param name="Policy">Who may approve the plan, and how many.</param>
/// <param name="ExpiresIn">How long the approval waits (a duration as written).</param>
internal sealed record PlanGate(ApprovalPolicy Policy, string ExpiresIn);

/// <summary>
/// Reads <c>plan:</c>: <c>required</c>, or a mapping <c>{ required: true, approvers: …, approvals: 2,
/// allowSelfApproval, onExpiry, expiresIn }</c> whose policy is that of a <c>core.approval</c> step (<c>approvals</c>
/// is its <c>required</c>); and adds the approval of the plan in front of the steps.
/// </summary>
internal static class PlanParser
{
    private const string Shape = "must be 'required' or a mapping such as { required: true, approvers: { groups: [platform-admins] } }";
    private static readonly string[] Keys = ["required", "approvers", "approvals", "allowSelfApproval", "onExpiry", "expiresIn"];

    /// <summary>Reads <c>plan:</c>; null when no plan is required.</summary>
    public static PlanGate? Parse(DefinitionReader ctx, YamlNode? node)
    {
        switch (YamlReader.ShapeOf(node))
        {
            case YamlShape.Missing:
                return null;
            case YamlShape.Scalar or YamlShape.Empty when YamlReader.TextOf(node) == "required":
                return new PlanGate(ApprovalPolicy.Default, "24h");
            case YamlShape.Scalar or YamlShape.Empty:
                ctx.Error(node, "plan", $"{Shape}, not '{YamlGuard.Cut(YamlReader.TextOf(node) ?? "")}'");
                return null;
            case YamlShape.Mapping:
                ctx.CheckKeys(node!, "plan", Keys);
                var required = ctx.OptionalBool(node!, "required", "plan");
                if (required is null && DefinitionReader.Value(node, "required") is null)
                {
                    ctx.Error(node, "plan.required", "is required: true to plan every run and ask for an approval of its plan first, false to not");
                }

                var policy = ApprovalPolicyParser.Parse(ctx, node, "plan", requiredKey: "approvals");
                var expiresIn = ctx.OptionalString(node!, "expiresIn", "plan") ?? "24h";
                if (Duration.TryParse(expiresIn, out var err) is null)
                {
                    ctx.Error(DefinitionReader.Value(node, "expiresIn"), "plan.expiresIn", err ?? $"'{YamlGuard.Cut(expiresIn)}' is not a duration");
                }

                return required == true ? new PlanGate(policy, expiresIn) : null;
            default:
                ctx.Error(node, "plan", Shape);
                return null;
        }
    }

    /// <summary>
    /// The steps behind the approval of the plan: <see cref="WorkflowDefinition.PlanApprovalStepId"/> first, needed by
    /// every step that needed nothing. It is an ordinary <c>core.approval</c> step, so the state machine, the inbox, the
    /// policy, the expiry and the notifications treat it as any other approval.
    /// </summary>
    public static List<StepDefinition> WithPlanApproval(PlanGate gate, IEnumerable<StepDefinition> steps)
    {
        var p = gate.Policy;
        var with = new JsonObject
        {
            ["message"] = "Approve the plan of this run: review what it will create, change and delete",
            ["expiresIn"] = gate.ExpiresIn,
            ["required"] = p.Required,
            ["allowSelfApproval"] = p.AllowSelfApproval,
            ["onExpiry"] = p.OnExpiry == ApprovalExpiry.Approve ? "approve" : "reject",
        };
        var list = new List<StepDefinition>
        {
            new() { Id = WorkflowDefinition.PlanApprovalStepId, Name = "Approve the plan", Uses = ApprovalAction.Name, With = with, Approval = p, Line = 1 },
        };
        foreach (var s in steps)
        {
            list.Add(s.Needs.Count > 0 ? s : new StepDefinition
            {
                Id = s.Id, Name = s.Name, Uses = s.Uses, With = s.With, Needs = [WorkflowDefinition.PlanApprovalStepId], If = s.If, Retry = s.Retry,
                Timeout = s.Timeout, Poll = s.Poll, Compensate = s.Compensate, Approval = s.Approval, Line = s.Line,
            });
        }

        return list;
    }
}
