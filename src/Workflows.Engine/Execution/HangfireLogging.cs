using Hangfire.Logging;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using HangfireLevel = Hangfire.Logging.LogLevel;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Workflows.Engine.Execution;

/// <summary>
/// Hands Hangfire's own log lines (worker errors, server start and stop) to the logging of a running engine.
/// </summary>
/// <remarks>
/// Hangfire logs through one process-wide provider, and many of its classes take their logger once, in static fields, so
/// the provider cannot be per engine. Hangfire.AspNetCore's <c>AddHangfire</c> pointed it at the logger factory of the
/// host that configured Hangfire last; once that host was disposed, every other host's Hangfire threw
/// <see cref="ObjectDisposedException"/> when it next created a logger. This provider instead forwards each line to the
/// most recently started engine that is still alive (the only one, in a server), and drops lines while none is.
/// </remarks>
internal sealed class HangfireLogging : ILogProvider
{
    private static readonly HangfireLogging Instance = new();
    private readonly Lock gate = new();
    private ILoggerFactory[] live = [];

    /// <summary>Forwards Hangfire's lines to <paramref name="factory"/> until the returned handle is disposed.</summary>
    public static IDisposable Attach(ILoggerFactory factory)
    {
        Instance.Add(factory);

        // Set again on each start: something else in the process (a bare Hangfire host) may have set its own meanwhile.
        LogProvider.SetCurrentLogProvider(Instance);
        return new Attachment(factory);
    }

    /// <summary>
    /// Makes this the process's Hangfire log provider. Called before the engine builds Hangfire objects that take a logger
    /// in their constructor (the job filters, the storage): a host started before may have left its own provider, over a
    /// logger factory already disposed.
    /// </summary>
    public static void Install() => LogProvider.SetCurrentLogProvider(Instance);

    /// <inheritdoc />
    public ILog GetLogger(string name) => new ForwardingLog(this, name);

    private ILoggerFactory? Current => Volatile.Read(ref live) is { Length: > 0 } l ? l[^1] : null;

    private void Add(ILoggerFactory factory)
    {
        lock (gate)
        {
            live = [.. live, factory];
        }
    }

    private void Remove(ILoggerFactory factory)
    {
        lock (gate)
        {
            live = [.. live.Where(f => !ReferenceEquals(f, factory))];
        }
    }

    private static LogLevel Map(HangfireLevel level) => level switch
    {
        HangfireLevel.Trace => LogLevel.Trace,
        HangfireLevel.Debug => LogLevel.Debug,
        HangfireLevel.Info => LogLevel.Information,
        HangfireLevel.Warn => LogLevel.Warning,
        HangfireLevel.Error => LogLevel.Error,
        _ => LogLevel.Critical,
    };

    private sealed class Attachment(ILoggerFactory factory) : IDisposable
    {
        private int disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) == 0)
            {
                Instance.Remove(factory);
            }
        }
    }

    private sealed class ForwardingLog(HangfireLogging owner, string name) : ILog
    {
        private Bound? bound;

        public bool Log(HangfireLevel logLevel, Func<string>? messageFunc, Exception? exception = null)
        {
            if (owner.Current is not { } factory)
            {
                return false;
            }

            var b = Volatile.Read(ref bound);
            if (b is null || !ReferenceEquals(b.Factory, factory))
            {
                try
                {
                    b = new Bound(factory, factory.CreateLogger(name));
                }
                catch (ObjectDisposedException)
                {
                    // The engine stopped between the lookup and here.
                    return false;
                }

                Volatile.Write(ref bound, b);
            }

            var level = Map(logLevel);
            if (!b.Logger.IsEnabled(level))
            {
                return false;
            }

            // Hangfire asks "is this level on?" with no message.
            if (messageFunc is null)
            {
                return true;
            }

            b.Logger.Log(level, default, messageFunc(), exception, static (m, _) => m);
            return true;
        }

        private sealed record Bound(ILoggerFactory Factory, ILogger Logger);
    }
}

/// <summary>Attaches Hangfire's log lines to this engine's logging while the engine runs (see <see cref="HangfireLogging"/>).</summary>
internal sealed class HangfireLogAttachment(ILoggerFactory loggerFactory) : IHostedService, IDisposable
{
    private IDisposable? attachment;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        attachment ??= HangfireLogging.Attach(loggerFactory);
        return Task.CompletedTask;
    }

    // Detached when the container is disposed, not at stop: the Hangfire server logs its last lines when it is disposed,
    // and the container disposes it before this service (it was created after it).
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => attachment?.Dispose();
}
