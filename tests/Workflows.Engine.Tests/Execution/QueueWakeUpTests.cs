using System.Data;
using Hangfire.PostgreSql;
using Hangfire.Storage;
using Workflows.Engine.Execution;

namespace Workflows.Engine.Tests.Execution;

/// <summary>One wake-up per server replaces Hangfire.PostgreSql's listener per worker.</summary>
public sealed class QueueWakeUpTests
{
    [Fact]
    public async Task Dequeue_LooksAtTheQueueAgain_WhenWokenUp()
    {
        using var wakeUp = new QueueWakeUp();
        var inner = new QueueThatWaits();
        var queue = new WakeUpQueueProvider(new Provider(inner), wakeUp).GetJobQueue();

        var dequeue = Task.Run(() => queue.Dequeue(["workflows"], CancellationToken.None));
        await inner.Waiting.Task;          // the worker found nothing and waits (for the poll interval, in Hangfire)
        inner.JobArrives();
        wakeUp.Signal();                   // what a NOTIFY from any server does

        Assert.Equal("42", (await dequeue).JobId);
        Assert.Equal(2, inner.Looks);
    }

    [Fact]
    public void Dequeue_DoesNotMissAWakeUp_ThatArrivesBeforeItWaits()
    {
        using var wakeUp = new QueueWakeUp();
        var inner = new QueueThatWaits { OnFirstLook = wakeUp.Signal };
        var queue = new WakeUpQueueProvider(new Provider(inner), wakeUp).GetJobQueue();
        inner.JobArrives();

        // The job was queued (and the wake-up sent) between the first look and the wait: the wait ends at once.
        Assert.Equal("42", queue.Dequeue(["workflows"], CancellationToken.None).JobId);
    }

    [Fact]
    public void Dequeue_StopsWhenTheServerStops()
    {
        using var wakeUp = new QueueWakeUp();
        using var stopping = new CancellationTokenSource();
        var queue = new WakeUpQueueProvider(new Provider(new QueueThatWaits { OnFirstLook = stopping.Cancel }), wakeUp).GetJobQueue();

        Assert.ThrowsAny<OperationCanceledException>(() => queue.Dequeue(["workflows"], stopping.Token));
    }

    private sealed class Provider(IPersistentJobQueue queue) : IPersistentJobQueueProvider
    {
        public IPersistentJobQueue GetJobQueue() => queue;

        public IPersistentJobQueueMonitoringApi GetJobQueueMonitoringApi() => throw new NotSupportedException();
    }

    /// <summary>Like Hangfire's queue: looks once, then waits on the token until it is cancelled (the poll interval is endless here).</summary>
    private sealed class QueueThatWaits : IPersistentJobQueue
    {
        private volatile bool hasJob;

        public TaskCompletionSource Waiting { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Action? OnFirstLook { get; init; }

        public int Looks { get; private set; }

        public void JobArrives() => hasJob = true;

        public IFetchedJob Dequeue(string[] queues, CancellationToken cancellationToken)
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Looks++;
                var found = hasJob && Looks > 1;
                if (Looks == 1)
                {
                    OnFirstLook?.Invoke();
                }

                if (found)
                {
                    return new Fetched("42");
                }

                Waiting.TrySetResult();
                cancellationToken.WaitHandle.WaitOne();
            }
        }

        public void Enqueue(IDbConnection connection, string queue, string jobId) => throw new NotSupportedException();
    }

    private sealed record Fetched(string JobId) : IFetchedJob
    {
        public void RemoveFromQueue()
        {
        }

        public void Requeue()
        {
        }

        public void Dispose()
        {
        }
    }
}
