// Hangfire keeps process-wide defaults (JobStorage.Current); hosts started in parallel in one test process
// could hand jobs to each other's storage, so test classes that host an engine run one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
