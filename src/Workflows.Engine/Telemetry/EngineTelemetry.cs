using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Workflows.Engine.Storage;

namespace Workflows.Engine.Telemetry;

/// <summary>
/// The engine's traces: a run span, and a span per step attempt or poll that is a child of it.
/// </summary>
/// <remarks>
/// A run outlives the process that started it, so no span stays open for the whole run. Instead the
/// trace id is derived from the run id (a run id is a GUID, which is 16 bytes like a trace id), and
/// the run span, recorded when the run is created, is stored with the run as a W3C <c>traceparent</c>.
/// Every attempt and poll, on whichever server and after however many restarts, starts its span as a
/// child of that stored context, so the whole run is one trace, and the trace of a run can be found
/// from its id alone.
/// </remarks>
public static class EngineTelemetry
{
    /// <summary>The name of the engine's <see cref="ActivitySource"/>.</summary>
    public const string ActivitySourceName = "Workflows.Engine";

    /// <summary>The name of the meter of the engine and the server.</summary>
    public const string MeterName = "Workflows";

    /// <summary>Attribute: the run id.</summary>
    public const string RunIdTag = "workflows.run_id";

    /// <summary>Attribute: the step id.</summary>
    public const string StepIdTag = "workflows.step_id";

    /// <summary>Attribute: the workflow's name.</summary>
    public const string WorkflowTag = "workflows.workflow";

    /// <summary>Attribute: the attempt number within the current round.</summary>
    public const string AttemptTag = "workflows.attempt";

    /// <summary>Attribute: the poll number (0 for the attempt itself).</summary>
    public const string PollTag = "workflows.poll";

    /// <summary>Attribute: the action a step uses.</summary>
    public const string ActionTag = "workflows.action";

    /// <summary>Attribute: how an execution ended (succeeded, failed, pending, cancelled).</summary>
    public const string OutcomeTag = "workflows.outcome";

    /// <summary>Gets the engine's activity source.</summary>
    internal static ActivitySource Source { get; } = new(ActivitySourceName, typeof(EngineTelemetry).Assembly.GetName().Version?.ToString());

    /// <summary>Returns the trace id of a run: the run id's 16 bytes (its hash for an id that is not a GUID).</summary>
    /// <param name="runId">The run id.</param>
    /// <returns>The trace id every span of the run carries.</returns>
    public static ActivityTraceId TraceIdOf(string runId)
    {
        Span<byte> bytes = stackalloc byte[32];
        if (Guid.TryParse(runId, out var guid))
        {
            guid.TryWriteBytes(bytes, bigEndian: true, out _);
        }
        else
        {
            SHA256.HashData(Encoding.UTF8.GetBytes(runId), bytes);
        }

        return ActivityTraceId.CreateFromBytes(bytes[..16]);
    }

    /// <summary>Starts the span of a new run, a root in the run's own trace, linked to the caller's span (an API request).</summary>
    internal static Activity? StartRun(RunRow run)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var caller = Activity.Current;
        ActivityLink[]? links = caller is null ? null : [new ActivityLink(caller.Context)];
        var root = new ActivityContext(TraceIdOf(run.Id), default, ActivityTraceFlags.Recorded);

        // A parent context without a span id would otherwise take the ambient activity (the request) as its parent.
        // The caller is an async method, so the ambient activity comes back when it returns.
        Activity.Current = null;
        var activity = Source.StartActivity(
            ActivityKind.Internal,
            root,
            [new(RunIdTag, run.Id), new(WorkflowTag, run.Workflow), new("workflows.trigger", run.TriggerKind)],
            links,
            name: $"run {run.Workflow}");
        return activity;
    }

    /// <summary>Starts the span of one attempt or poll of a step, as a child of the run's span.</summary>
    internal static Activity? StartStep(RunRow run, StepRow row, string? uses)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var parent = run.TraceParent is { } tp && ActivityContext.TryParse(tp, null, isRemote: true, out var stored)
            ? stored
            : new ActivityContext(TraceIdOf(run.Id), default, ActivityTraceFlags.Recorded);
        var what = row.PollCount == 0 ? "attempt" : "poll";
        Activity.Current = null; // see StartRun

        return Source.StartActivity(
            ActivityKind.Internal,
            parent,
            [
                new(RunIdTag, run.Id),
                new(StepIdTag, row.StepId),
                new(WorkflowTag, run.Workflow),
                new(AttemptTag, row.Attempt - row.AttemptBase),
                new(PollTag, row.PollCount),
                new(ActionTag, uses ?? "unknown"),
            ],
            name: $"{what} {row.StepId}");
    }
}
