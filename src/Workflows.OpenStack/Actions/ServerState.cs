namespace Workflows.OpenStack.Actions;

/// <summary>The state a building server's polls carry.</summary>
/// <param name="ServerId">The server id.</param>
public sealed record ServerState(string ServerId);
