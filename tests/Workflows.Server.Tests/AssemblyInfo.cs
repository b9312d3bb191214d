// Each server host now has its own Hangfire (storage, client, filters, activator from its own container; see the engine's
// EngineHangfireTests), so Hangfire no longer forces this. The suite stays serial until its fixtures are checked for
// other shared resources (the published server, docker, sshd, the sandbox's ports) and it is run in parallel repeatedly.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
