namespace Workflows.Server.Tests.Triggers;

/// <summary>
/// The trigger tests start servers one at a time, never alongside other test classes: Hangfire's AddHangfire configures
/// process-wide statics (JobStorage.Current, JobActivator.Current) that a host captures when it first resolves them, so two
/// hosts starting at once in one process can end up enqueueing into each other's storage.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TriggerHostsCollection
{
    public const string Name = "trigger hosts";
}
