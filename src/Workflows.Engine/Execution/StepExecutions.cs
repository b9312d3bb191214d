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
    /// Reserves a free worker for the first step of a run about to start: a reservation when fewer than
    /// <see cref="EngineOptions.Workers"/> step executions are under way and the process is not stopping, else null.
    /// </summary>
    /// <remarks>
    /// The caller disposes the reservation on every path (<c>using</c>); disposing gives the worker back unless the
    /// reservation was handed to <see cref="Run"/> first, which then owns it until the step is done. So no path leaks a
    /// reservation and none gives one back twice.
    /// </remarks>
    public Reservation? TryReserve()
    {
        if (stopping.IsCancellationRequested)
        {
            return null;
        }

        while (true)
        {
            var now = Volatile.Read(ref busy);
            if (now >= capacity)
            {
                return null;
            }

            if (Interlocked.CompareExchange(ref busy, now + 1, now) == now)
            {
                Interlocked.Increment(ref inline);
                return new Reservation(new Slot(this, isBackground: true));
            }
        }
    }

    /// <summary>
    /// Executes the step <paramref name="tx"/> claimed (its <see cref="RunTx.InlineNext"/>, committed) in the background on
    /// <paramref name="reservation"/>, which it takes over (disposing it afterwards does nothing), and applies its result
    /// (and those of the steps it makes ready). The worker is given back when the execution ends.
    /// </summary>
    /// <param name="reservation">A reservation of this instance's, not yet given back or handed over.</param>
    /// <param name="tx">The committed start transaction with the claimed step.</param>
    /// <param name="def">The run's definition.</param>
    /// <exception cref="InvalidOperationException">The reservation was already given back or handed over.</exception>
    public void Run(Reservation reservation, RunTx tx, WorkflowDefinition def)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(def);
        var slot = reservation.HandOver(this);
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

    /// <summary>
    /// A free worker reserved for the first step of a run about to start (<see cref="TryReserve"/>): given back when
    /// disposed, unless it was handed over to <see cref="Run"/> before.
    /// </summary>
    public sealed class Reservation : IDisposable
    {
        private Slot? slot;

        internal Reservation(Slot slot) => this.slot = slot;

        /// <summary>Gets a value indicating whether this reservation still holds its worker (neither given back nor handed over).</summary>
        public bool IsHeld => Volatile.Read(ref slot) is not null;

        /// <summary>Gives the worker back, unless the reservation was handed over; does nothing the second time.</summary>
        public void Dispose() => Interlocked.Exchange(ref slot, null)?.Dispose();

        /// <summary>Moves the worker to the execution: from now on it is the execution's to give back.</summary>
        internal Slot HandOver(StepExecutions owner)
        {
            var taken = Interlocked.Exchange(ref slot, null) ?? throw new InvalidOperationException("The reservation was already given back or handed over.");
            if (!ReferenceEquals(taken.Owner, owner))
            {
                // Not ours to run on: give it back to its owner rather than leak it.
                taken.Dispose();
                throw new InvalidOperationException("The reservation belongs to another StepExecutions.");
            }

            return taken;
        }
    }

    /// <summary>One step execution counted until disposed (once).</summary>
    internal sealed class Slot(StepExecutions owner, bool isBackground) : IDisposable
    {
        /// <summary>Gets the executions this slot counts in.</summary>
        public StepExecutions Owner => owner;

        private int disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) != 0)
            {
                return;
            }

            if (isBackground)
            {
                Interlocked.Decrement(ref owner.inline);
                Interlocked.Decrement(ref owner.busy);
            }
            else
            {
                Interlocked.Decrement(ref owner.busy);
            }
        }
    }
}
