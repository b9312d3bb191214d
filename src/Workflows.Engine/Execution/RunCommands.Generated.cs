using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;

namespace Workflows.Engine.Execution;

public sealed partial class RunCommands
{
    /// <summary>Starts a run of a definition the server generated (see <see cref="Definitions.WorkflowCatalog.AddGeneratedAsync"/>), like any other start.</summary>
    internal Task<RunSummary> StartGeneratedAsync(WorkflowDefinition definition, StartRunRequest request, CancellationToken cancellationToken) =>
        StartCoreAsync(definition, request, null, cancellationToken);
}
