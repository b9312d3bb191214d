namespace Workflows.Engine.Tests.Execution.Crash;

/// <summary>
/// The crash tests run alone, after the parallel classes: each starts engine server processes, kills them mid-step and
/// waits (with deadlines) for leases to expire and another server to take over. They share nothing with the other
/// classes (own database, own folders, own processes), but their deadlines count a cold .NET process start, and that
/// start, beside three in-process engines of the parallel classes on a two-core machine, took longer than the deadline.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CrashServersCollection
{
    public const string Name = "crash servers";
}
