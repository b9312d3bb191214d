namespace Workflows.Server.Tests.Triggers;

/// <summary>
/// The trigger tests start servers one at a time, never alongside other test classes. (Hangfire's process-wide defaults,
/// the first reason, are gone: each host takes its storage and activator from its own container. Kept serial until the
/// trigger tests' timings are checked beside other hosts.)
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TriggerHostsCollection
{
    public const string Name = "trigger hosts";
}
