using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Definitions;
using Workflows.Engine.Expressions;
using Workflows.Engine.Secrets;
using Workflows.Engine.Storage;

namespace Workflows.Engine.Execution.Machine;

/// <content>Signals to waiting steps (approval decisions).</content>
public sealed partial class RunMachine
{
    /// <summary>Delivers an approval decision to a waiting <c>core.approval</c> step.</summary>
    public void Signal(RunTx tx, StepRow row, WorkflowDefinition def, string name, string actor, JsonObject payload)
    {
        row.Signal = new JsonObject { ["name"] = name, ["actor"] = actor, ["at"] = Now, ["payload"] = payload }.ToJsonString();
        tx.Touch(row);
        if (row.Status == StepStatus.Waiting)
        {
            if (row.JobId is { } old)
            {
                tx.JobsToDelete.Add(old);
            }

            Schedule(tx, row, def, allowInline: false, TimeSpan.Zero, row.NextAction ?? NextActions.Poll);
        }
    }
}
