namespace Workflows.Abstractions.Clouds;

/// <summary>
/// Answers whether a cloud of that name is configured, so the engine can refuse a <c>cloud</c> input
/// naming an unknown cloud when a run starts rather than fail in a step. Implemented by the project
/// that knows the clouds (OpenStack); without an implementation, cloud inputs are not checked.
/// </summary>
public interface ICloudDirectory
{
    /// <summary>Returns whether a cloud named <paramref name="name"/> is configured now.</summary>
    bool Exists(string name);

    /// <summary>Lists the names of the configured clouds, for messages.</summary>
    IReadOnlyList<string> Names();
}
