using System.Collections;
using System.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Trace;

namespace Workflows.Server.Tests.Telemetry;

/// <summary>
/// The server with the sandbox cloud, a workflow whose step boots a sandbox Nova server (with a secret input),
/// and an in-memory span exporter; SQLite.
/// </summary>
public class TelemetryFactory : ServerFactory
{
    /// <summary>A value passed as the run's secret input: it must never appear in a span or a metric.</summary>
    public const string SecretValue = "telemetry-secret-5b9e17";

    private readonly string folder = Directory.CreateTempSubdirectory("wf-telemetry-").FullName;

    public TelemetryFactory()
    {
        File.WriteAllText(Path.Combine(folder, "traced.yaml"), """
            name: traced
            inputs:
              name: { type: string, required: true, pattern: "^[a-z][a-z0-9-]{0,62}$" }
              token: { type: secret, required: true }
            steps:
              - id: server
                uses: nova.server.create
                with:
                  cloud: sandbox
                  name: ${{ inputs.name }}
                  image: cirros
                  flavor: m1.tiny
                  networks: [ private ]
                  metadata: { note: "${{ inputs.token }}" }
              - id: pause
                needs: [server]
                uses: core.delay
                with: { duration: 1ms }
            """);
    }

    /// <summary>Gets every span the server ended.</summary>
    public SpanCollection Spans { get; } = new();

    protected override string WorkflowsDirectory => folder;

    protected override bool SandboxEnabled => true;

    protected override bool UsePostgres => false;

    /// <summary>Gets every log line with its scopes.</summary>
    public ScopeRecorder Logs { get; } = new();

    protected override void ConfigureMore(IWebHostBuilder builder)
    {
        builder.ConfigureTestServices(s => s.AddOpenTelemetry().WithTracing(t => t.AddInMemoryExporter(Spans)));
        builder.ConfigureLogging(l => l.AddProvider(Logs));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>A collection the exporter adds to from its thread while a test reads a snapshot.</summary>
    public sealed class SpanCollection : ICollection<Activity>
    {
        private readonly List<Activity> items = [];
        private readonly Lock gate = new();

        public int Count
        {
            get
            {
                lock (gate)
                {
                    return items.Count;
                }
            }
        }

        public bool IsReadOnly => false;

        public List<Activity> Snapshot()
        {
            lock (gate)
            {
                return [.. items];
            }
        }

        public void Add(Activity item)
        {
            lock (gate)
            {
                items.Add(item);
            }
        }

        public void Clear()
        {
            lock (gate)
            {
                items.Clear();
            }
        }

        public bool Contains(Activity item) => Snapshot().Contains(item);

        public void CopyTo(Activity[] array, int arrayIndex) => Snapshot().CopyTo(array, arrayIndex);

        public bool Remove(Activity item)
        {
            lock (gate)
            {
                return items.Remove(item);
            }
        }

        public IEnumerator<Activity> GetEnumerator() => Snapshot().GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
