using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Workflows.Abstractions.Definitions;
using Workflows.Engine.Storage;

namespace Workflows.Engine.Execution;

/// <summary>
/// The step executions of this process: counts the step jobs its Hangfire workers execute, and runs the first step of a
/// run started here in the background, without a queue round trip, when a worker is free (<see cref="TryReserve"/>).
/// </summary>
/// <remarks>
/// A run started with a reserved slot commits its first step as Running on a lease in the start transaction (no Hangfire
/// job is created for it), then <see cref="Run"/> executes it and applies its result as a step job would, continuing
/// inline with the steps that become ready. If this process dies meanwhile, the step stays Running on its lease and the
/// sweeper of any server resumes it once the lease ends, exactly as for a step job whose worker was lost. At most
/// <see cref="EngineOptions.Workers"/> such background executions run at once, and only while fewer than that many step
/// executions (jobs included) are under way; none at all on a server without workers.
/// </remarks>
public sealed class StepExecutions(IServiceScopeFactory scopes, IOptions<EngineOptions> options, ILogger<StepExecutions> logger) : IHostedService, IDisposable
{
    private readonly int capacity = options.Value.RunWorkers && options.Value.InlineStart ? options.Value.Workers : 0;
    private readonly ConcurrentDictionary<Task, byte> background = new();
    private readonly CancellationTokenSource stopping = new();
    private int busy;
    private int inline;
    private bool disposed;

    /// <summary>Gets how many step executions (jobs and background) are under way in this process.</summary>
    public int Busy => Volatile.Read(ref busy);

    /// <summary>Gets how many first steps of runs started here execute in the background now.</summary>
    public int Background => Volatile.Read(ref inline);

    /// <summary>Counts one step job's execution until the returned handle is disposed (Hangfire bounds those by its workers).</summary>
    public IDisposable Enter()
    {
        Interlocked.Increment(ref busy);
        return new Slot(this, isBackground: false);
    }

    /// <summary>
    /// Reserves a free worker for the first step of a run about to start: true when fewer than <see cref="EngineOptions.Workers"/>
    /// step executions are under way and the process is not stopping. The caller hands the reservation to <see cref="Run"/>
    /// or gives it back with <see cref="Release"/>.
    /// </summary>
    public bool TryReserve()
    {
        if (stopping.IsCancellationRequested)
        {
            return false;
        }

        while (true)
        {
            var now = Volatile.Read(ref busy);
            if (now >= capacity)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref busy, now + 1, now) == now)
            {
                Interlocked.Increment(ref inline);
                return true;
            }
        }
    }

    /// <summary>Gives back a reservation that was not used (the run queued, or its first step did not start).</summary>
    public void Release()
    {
        Interlocked.Decrement(ref inline);
        Interlocked.Decrement(ref busy);
    }

    /// <summary>
    /// Executes the step <paramref name="tx"/> claimed (its <see cref="RunTx.InlineNext"/>, committed) in the background on
    /// the reservation taken by <see cref="TryReserve"/>, and applies its result (and those of the steps it makes ready).
    /// </summary>
    public void Run(RunTx tx, WorkflowDefinition def)
    {
        ArgumentNullException.ThrowIfNull(tx);
        var slot = new Slot(this, isBackground: true);
        CancellationToken token;
        lock (stopping)
        {
            token = disposed ? new CancellationToken(canceled: true) : stopping.Token;
        }

        var task = Task.Run(async () =>
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<StepJob>().ContinueAsync(tx, def, tx.InlineNext, token);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                // Stopping: the step stays Running on its lease; a sweeper resumes it.
            }
            catch (Exception e)
            {
                // The database went away while applying (or the like): the step stays Running on its lease, the sweeper resumes it.
                logger.LogWarning(e, "Run {RunId}: executing step {StepId} on the server that started the run failed; it will be resumed when its lease ends", tx.Run.Id, tx.InlineNext?.StepId);
            }
            finally
            {
                slot.Dispose();
            }
        });
        background.TryAdd(task, 0);
        _ = task.ContinueWith(t => background.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Stops the background executions as a Hangfire server stops its workers: their steps stay Running on their leases.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        lock (stopping)
        {
            // A host whose container was disposed first (a test factory built from another) still stops its services.
            if (!disposed)
            {
                stopping.Cancel();
            }
        }

        await Task.WhenAll(background.Keys).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (stopping)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            stopping.Cancel();
            stopping.Dispose();
        }
    }

    private sealed class Slot(StepExecutions owner, bool isBackground) : IDisposable
    {
        private int disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) != 0)
            {
                return;
            }

            if (isBackground)
            {
                owner.Release();
            }
            else
            {
                Interlocked.Decrement(ref owner.busy);
            }
        }
    }
}
