using System.Collections;

namespace Workflows.Engine.Telemetry;

/// <summary>
/// The logging scope around one step execution: <c>RunId</c>, <c>StepId</c>, <c>Workflow</c>, <c>Attempt</c>
/// and <c>Poll</c> as fields (JSON console, OTLP logs), and a short text for the simple console.
/// </summary>
/// <remarks>Every log line written while the step executes, by the engine or by the action, carries these ids, so it joins with the step's span.</remarks>
public sealed class StepLogScope(string runId, string stepId, string workflow, int attempt, int poll) : IReadOnlyList<KeyValuePair<string, object?>>
{
    /// <inheritdoc />
    public int Count => 5;

    /// <inheritdoc />
    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("RunId", runId),
        1 => new("StepId", stepId),
        2 => new("Workflow", workflow),
        3 => new("Attempt", attempt),
        4 => new("Poll", poll),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    /// <inheritdoc />
    public override string ToString() => poll == 0 ? $"run {runId} step {stepId} attempt {attempt}" : $"run {runId} step {stepId} poll {poll}";

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
