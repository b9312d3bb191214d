using Hangfire;

namespace Workflows.Engine.Execution;

/// <summary>
/// How Hangfire writes job arguments and states: data compatibility 1.8, type names without assembly versions, Hangfire's
/// recommended JSON settings.
/// </summary>
/// <remarks>
/// Hangfire keeps these in process-wide statics (its type serializer, its serializer settings, its compatibility level)
/// and offers no per-storage or per-client alternative. They are not per-engine state: every engine of a process sets the
/// same three values, once, and jobs stored by an earlier version of the engine (which set them through
/// <c>AddHangfire</c>) still deserialize, and new ones are written exactly as before
/// (<c>{"t":"Workflows.Engine.Execution.StepJob, Workflows.Engine","m":"ExecuteAsync",…}</c>).
/// Hangfire's extension methods need an <see cref="IGlobalConfiguration"/> only as the receiver they extend; the marker
/// below stands for it, so neither Hangfire's <c>GlobalConfiguration.Configuration</c> nor its storage or activator
/// defaults are touched.
/// </remarks>
internal static class HangfireSerialization
{
    private static readonly Lazy<bool> Configured = new(
        static () =>
        {
            new HangfireServicesMarker()
                .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
                .UseSimpleAssemblyNameTypeSerializer()
                .UseRecommendedSerializerSettings();
            return true;
        },
        LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Applies the settings, once per process (thread-safe; later calls do nothing).</summary>
    public static void EnsureConfigured() => _ = Configured.Value;
}

/// <summary>
/// Marks a container where Hangfire's services (storage, client, filters, activator) are registered: Hangfire.AspNetCore's
/// dashboard checks for an <see cref="IGlobalConfiguration"/> service before it maps. Carries no state.
/// </summary>
internal sealed class HangfireServicesMarker : IGlobalConfiguration;
