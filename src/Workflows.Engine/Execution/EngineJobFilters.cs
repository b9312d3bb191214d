using Hangfire;
using Hangfire.Common;
using Hangfire.States;

namespace Workflows.Engine.Execution;

/// <summary>
/// The job filters of one engine, held by the engine instead of Hangfire's process-wide <c>GlobalJobFilters</c>: the same
/// four filters Hangfire starts that collection with (culture capture, automatic retry with its defaults, statistics,
/// continuations), plus the filter attributes on job classes and methods (<see cref="StepJob"/>'s own retry settings,
/// which override the default retry as Hangfire's method-scoped filters do).
/// </summary>
public static class EngineJobFilters
{
    /// <summary>Creates the filter provider of one engine (client, server, state changes and the dashboard share it).</summary>
    /// <returns>The engine's filters first, then the attributes of the job's type and method.</returns>
    public static JobFilterProviderCollection Create()
    {
        HangfireLogging.Install(); // CaptureCultureAttribute's constructor takes a logger
        var filters = new JobFilterCollection();
        var providers = new JobFilterProviderCollection(filters, new JobFilterAttributeFilterProvider());
        filters.Add(new CaptureCultureAttribute());
        filters.Add(new AutomaticRetryAttribute());
        filters.Add(new StatisticsHistoryAttribute());

        // Its parameterless constructor starts continuations through the process-wide providers; this one through the
        // engine's, so a continuation runs under the same filters as the job it follows.
        filters.Add(new ContinuationsSupportAttribute(
            [DeletedState.StateName, SucceededState.StateName],
            new BackgroundJobStateChanger(providers)));
        return providers;
    }
}
