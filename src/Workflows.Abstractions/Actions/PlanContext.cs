using System.Text.Json.Nodes;

namespace Workflows.Abstractions.Actions;

/// <summary>
/// What planning one step may use: the step, its inputs after expression evaluation, which of them are not
/// known yet, a token and an audit of the read calls made. Nothing here can change a run: there is no ledger,
/// no log, no state; the action's own clients (cloud, Docker, Kubernetes) come from its constructor.
/// </summary>
public abstract class PlanContext
{
    /// <summary>Gets the workflow's name.</summary>
    public abstract string WorkflowName { get; }

    /// <summary>Gets the step's id within the definition.</summary>
    public abstract string StepId { get; }

    /// <summary>
    /// Gets the idempotency key the step will carry when it runs, when the run exists already (a retry); null
    /// for a new run, whose steps have no key yet (nothing can carry it).
    /// </summary>
    public abstract string? IdempotencyKey { get; }

    /// <summary>Gets a token cancelled when the caller goes away or the plan's time is up.</summary>
    public abstract CancellationToken CancellationToken { get; }

    /// <summary>Gets the clock. Never read the system clock directly.</summary>
    public abstract TimeProvider Clock { get; }

    /// <summary>Gets where the read calls made while planning are recorded (they are listed with the plan).</summary>
    public abstract IStepAudit Audit { get; }

    /// <summary>
    /// Gets the evaluated <c>with:</c> inputs (secrets in plain text, in memory only). An unknown value is
    /// absent from its object, or null in its array; see <see cref="Unknown"/>.
    /// </summary>
    public abstract JsonObject Inputs { get; }

    /// <summary>
    /// Gets the inputs whose value is not known yet, by path (<c>serverId</c>, <c>networks[0]</c>), each with
    /// when it will be, e.g. <c>known after `server`</c>.
    /// </summary>
    public abstract IReadOnlyDictionary<string, string> Unknown { get; }

    /// <summary>Returns whether the input at <paramref name="path"/> (and everything under it) is known.</summary>
    /// <param name="path">A path as in <see cref="Unknown"/>, e.g. <c>serverId</c>.</param>
    public bool IsKnown(string path) =>
        !Unknown.Keys.Any(k => k == path || k.StartsWith(path + ".", StringComparison.Ordinal) || k.StartsWith(path + "[", StringComparison.Ordinal)
            || path.StartsWith(k + ".", StringComparison.Ordinal) || path.StartsWith(k + "[", StringComparison.Ordinal));

    /// <summary>Returns when the input at <paramref name="path"/> is known (e.g. <c>known after `server`</c>), or null when it is known now.</summary>
    public string? WhenKnown(string path) =>
        Unknown.FirstOrDefault(kv => kv.Key == path || kv.Key.StartsWith(path + ".", StringComparison.Ordinal) || kv.Key.StartsWith(path + "[", StringComparison.Ordinal)
            || path.StartsWith(kv.Key + ".", StringComparison.Ordinal) || path.StartsWith(kv.Key + "[", StringComparison.Ordinal)).Value;

    /// <summary>Binds <see cref="Inputs"/> to <typeparamref name="T"/> (unknown inputs keep their default).</summary>
    /// <exception cref="StepFailedException">With code <c>inputs.invalid</c> naming the field.</exception>
    public abstract T GetInputs<T>()
        where T : class;
}
