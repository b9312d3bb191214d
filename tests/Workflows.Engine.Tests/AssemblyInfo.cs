// Test classes run in parallel: each engine host has its own Hangfire (storage, client, filters, activator in its own
// container, see EngineHangfireTests) on its own database (a fresh PostgreSQL database or SQLite folder per host).
// Four at a time rather than one per core: most of a scenario test's time is spent waiting on the engine's polls.
[assembly: CollectionBehavior(CollectionBehavior.CollectionPerClass, MaxParallelThreads = 4)]
