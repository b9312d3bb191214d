namespace Workflows.Engine.Execution.Machine;

/// <summary>The random source of retry jitter, injected so that a transition is deterministic in a test.</summary>
public interface IJitter
{
    /// <summary>Returns a number in [0, 1).</summary>
    double Next();
}

/// <summary>Jitter from <see cref="Random.Shared"/> (the default).</summary>
public sealed class SharedJitter : IJitter
{
    /// <summary>Gets the instance.</summary>
    public static SharedJitter Instance { get; } = new();

    /// <inheritdoc />
#pragma warning disable CA5394 // Jitter spreads retries; it protects nothing.
    public double Next() => Random.Shared.NextDouble();
#pragma warning restore CA5394
}
