namespace Workflows.OpenStack.Actions;

/// <summary>The state a building cluster's polls carry.</summary>
/// <param name="ClusterId">The cluster uuid.</param>
public sealed record ClusterState(string ClusterId);
