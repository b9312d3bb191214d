namespace Workflows.Abstractions.Definitions;

/// <summary>
/// Something a workflow needs from the server before it may start, declared in its file with <c>requires:</c>
/// (e.g. <c>requires: { docker: "${{ inputs.dockerHost }}" }</c>). The engine checks every requirement when a run
/// is started, before anything is created, and refuses the start with the requirement's message when it is not met.
/// Integrations register theirs (<c>services.AddSingleton&lt;IWorkflowRequirement, …&gt;()</c>).
/// </summary>
public interface IWorkflowRequirement
{
    /// <summary>Gets the name used under <c>requires:</c>, e.g. <c>docker</c>.</summary>
    string Name { get; }

    /// <summary>Gets the hint shown on the workflow's card, e.g. <c>Needs a Docker engine</c>.</summary>
    string Hint { get; }

    /// <summary>Checks the requirement.</summary>
    /// <param name="value">
    /// The evaluated value from the definition: <c>false</c> when the requirement does not apply to this run, a non-empty
    /// text when the run names what it will use (e.g. an endpoint), empty or <c>true</c> when the server's own default is needed.
    /// </param>
    /// <returns>Null when met; otherwise a message saying what is missing and what to configure.</returns>
    string? Check(string value);
}
