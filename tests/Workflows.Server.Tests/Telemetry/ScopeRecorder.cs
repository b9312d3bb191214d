using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Workflows.Server.Tests.Telemetry;

/// <summary>Records every log line with the fields of its scopes, as a structured log sink (JSON console, OTLP) sees them.</summary>
public sealed class ScopeRecorder : ILoggerProvider, ISupportExternalScope
{
    private IExternalScopeProvider scopes = new LoggerExternalScopeProvider();

    public ConcurrentQueue<(string Category, string Message, Dictionary<string, string?> Scope)> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Recorder(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class Recorder(ScopeRecorder owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => owner.scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var fields = new Dictionary<string, string?>();
            owner.scopes.ForEachScope(
                (scope, f) =>
                {
                    if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
                    {
                        foreach (var (k, v) in pairs)
                        {
                            f[k] = v?.ToString();
                        }
                    }
                },
                fields);
            owner.Lines.Enqueue((category, formatter(state, exception), fields));
        }
    }
}
