using System.Text.Json.Nodes;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Expressions;
using Workflows.Engine.Secrets;
using Workflows.Engine.Storage;

namespace Workflows.Engine.Execution;

/// <summary>Builds the scope a run's <c>${{ }}</c> expressions see: inputs, the steps' statuses and outputs, the run's fields.</summary>
public static class RunScope
{
    /// <summary>Builds the expression scope of a run; outputs are those of succeeded (or compensated) steps only.</summary>
    public static JsonScope Build(SecretCodec codec, RunRow run, IEnumerable<StepRow> steps)
    {
        ArgumentNullException.ThrowIfNull(codec);
        ArgumentNullException.ThrowIfNull(run);
        var stepsObj = new JsonObject();
        foreach (var s in steps.Where(s => s.Kind == StepKinds.Step))
        {
            stepsObj[s.StepId] = new JsonObject
            {
                ["outputs"] = s.Status is StepStatus.Succeeded or StepStatus.Compensated ? codec.Unprotect(s.Outputs) ?? new JsonObject() : new JsonObject(),
                ["status"] = s.Status.ToString().ToLowerInvariant(),
            };
        }

        return new JsonScope(new JsonObject
        {
            ["inputs"] = codec.Unprotect(run.Inputs) ?? new JsonObject(),
            ["steps"] = stepsObj,
            ["run"] = new JsonObject
            {
                ["id"] = run.Id,
                ["workflow"] = run.Workflow,
                ["version"] = run.Version,
                ["actor"] = run.TriggerActor,
                ["trigger"] = run.TriggerKind.ToLowerInvariant(),
            },
        });
    }
}
