using System.Collections.Concurrent;
using Workflows.Abstractions.Runs;

namespace Workflows.Engine.Execution;

/// <summary>In-process cancellation of running actions and change notifications for live views.</summary>
public sealed class RunSignals : IRunNotifications
{
    // The value says whether the action is a compensation: a cancel stops the normal steps, never the undo.
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<CancellationTokenSource, bool>> running = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Guid, (Guid? RunId, Action<RunNotification> Handler)> subscribers = new();

    /// <summary>Registers a running action's token source under its run.</summary>
    public IDisposable Register(string runId, CancellationTokenSource cts, bool isCompensation = false)
    {
        var set = running.GetOrAdd(runId, _ => new());
        set[cts] = isCompensation;
        return new Unregister(() =>
        {
            set.TryRemove(cts, out _);
            if (set.IsEmpty)
            {
                running.TryRemove(KeyValuePair.Create(runId, set));
            }
        });
    }

    /// <summary>Cancels the actions of the run running in this process: its normal steps, and its compensations too when <paramref name="includeCompensations"/>.</summary>
    public void CancelRun(string runId, bool includeCompensations = false)
    {
        if (running.TryGetValue(runId, out var set))
        {
            foreach (var (cts, isCompensation) in set)
            {
                if (isCompensation && !includeCompensations)
                {
                    continue;
                }

                try
                {
                    cts.Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // It finished meanwhile.
                }
            }
        }
    }

    /// <inheritdoc />
    public IDisposable Subscribe(Guid? runId, Action<RunNotification> handler)
    {
        var id = Guid.NewGuid();
        subscribers[id] = (runId, handler);
        return new Unregister(() => subscribers.TryRemove(id, out _));
    }

    /// <summary>Publishes a change.</summary>
    public void Publish(string runId, string kind)
    {
        if (subscribers.IsEmpty || !Guid.TryParse(runId, out var id))
        {
            return;
        }

        var n = new RunNotification(id, kind);
        foreach (var (_, (filter, handler)) in subscribers)
        {
            if (filter is null || filter == id)
            {
                try
                {
                    handler(n);
                }
                catch (Exception)
                {
                    // A broken view must not break the engine.
                }
            }
        }
    }

    private sealed class Unregister(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
