using Workflows.Abstractions.Runs;

namespace Workflows.Web.Components.Shared;

/// <summary>
/// Calls a component's refresh when the engine announces a change in this process, and on a timer
/// because another server may change the run without a local notification. Refreshes never overlap:
/// changes that arrive during one are folded into a single follow-up refresh.
/// </summary>
public sealed class LiveUpdates : IDisposable
{
    private readonly Func<Func<Task>, Task> invoke;
    private readonly Func<Task> refresh;
    private readonly IDisposable subscription;
    private readonly ITimer timer;
    private bool busy;
    private bool pending;
    private bool disposed;

    /// <summary>Starts watching.</summary>
    /// <param name="notifications">The engine's in-process notifications.</param>
    /// <param name="clock">The clock that drives the polling timer.</param>
    /// <param name="interval">How often to poll.</param>
    /// <param name="runId">The run to watch, or null for every run.</param>
    /// <param name="invoke">The component's <c>InvokeAsync</c>, so refreshes run on its dispatcher.</param>
    /// <param name="refresh">Loads the new state and re-renders.</param>
    /// <param name="filter">Which notifications matter, or null for all.</param>
    public LiveUpdates(
        IRunNotifications notifications,
        TimeProvider clock,
        TimeSpan interval,
        Guid? runId,
        Func<Func<Task>, Task> invoke,
        Func<Task> refresh,
        Func<RunNotification, bool>? filter = null)
    {
        this.invoke = invoke;
        this.refresh = refresh;
        subscription = notifications.Subscribe(runId, n =>
        {
            if (filter is null || filter(n))
            {
                Trigger();
            }
        });
        timer = clock.CreateTimer(_ => Trigger(), null, interval, interval);
    }

    /// <summary>Asks for a refresh now.</summary>
    public void Trigger()
    {
        if (!disposed)
        {
            _ = RunAsync();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        disposed = true;
        subscription.Dispose();
        timer.Dispose();
    }

    private async Task RunAsync()
    {
        try
        {
            await invoke(async () =>
            {
                // Runs on the component's dispatcher, so the flags need no lock.
                if (busy)
                {
                    pending = true;
                    return;
                }

                busy = true;
                try
                {
                    do
                    {
                        pending = false;
                        await refresh();
                    }
                    while (pending && !disposed);
                }
                finally
                {
                    busy = false;
                }
            });
        }
#pragma warning disable CA1031 // a failed background refresh must not crash the circuit; the next change or tick retries it.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}
