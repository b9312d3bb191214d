using System.Security.Cryptography;
using System.Text;
using Workflows.Abstractions.Runs;

namespace Workflows.Engine.Tests.Execution.Crash;

/// <summary>
/// A PostgreSQL database shared by engine server processes (started and killed at will) and an
/// engine in this process that only starts and reads runs (<c>Workflows:RunWorkers=false</c>).
/// Effects of the test actions are files in <see cref="EffectsFolder"/>.
/// </summary>
public sealed class CrashHarness : IAsyncDisposable
{
    /// <summary>Engine settings shared by every process: short leases and timeouts so recovery is quick.</summary>
    private static readonly Dictionary<string, string> Timing = new()
    {
        ["LeaseDuration"] = "00:00:03",
        ["HeartbeatInterval"] = "00:00:00.500",
        ["SweepInterval"] = "00:00:01",
        ["InvisibilityTimeout"] = "00:00:05",
        ["DispatchGrace"] = "00:00:05",
        ["SchedulePollingInterval"] = "00:00:00.200",
        ["QueuePollInterval"] = "00:00:01",
        ["LogFlushInterval"] = "00:00:00.200",
    };

    private readonly Dictionary<string, string> environment;
    private readonly List<EngineProcess> servers = [];

    private CrashHarness(EngineHost engine, string work, Dictionary<string, string> environment)
    {
        Engine = engine;
        Work = work;
        this.environment = environment;
    }

    /// <summary>Gets the engine of this process (no workers).</summary>
    public EngineHost Engine { get; }

    /// <summary>Gets the folder with the server logs, data folders and effects.</summary>
    public string Work { get; }

    /// <summary>Gets the folder where each applied effect is a file named after its escaped idempotency key.</summary>
    public string EffectsFolder => Path.Combine(Work, "effects");

    /// <summary>Gets or sets whether the work folder is kept on disposal (for a failed test).</summary>
    public bool Keep { get; set; } = true;

    /// <summary>Gets the server processes started so far.</summary>
    public IReadOnlyList<EngineProcess> Servers => servers;

    /// <summary>Creates the database, the workflow files and this process's engine.</summary>
    public static async Task<CrashHarness> StartAsync(IReadOnlyDictionary<string, string> workflows)
    {
        var secretKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var engine = await EngineHost.StartAsync("postgres", workflows, s =>
        {
            foreach (var (k, v) in Timing)
            {
                s[$"Workflows:{k}"] = v;
            }

            s["Workflows:RunWorkers"] = "false";
            s["Workflows:SecretKey"] = secretKey;
        });
        var work = Directory.CreateTempSubdirectory("wf-crash-").FullName;
        Directory.CreateDirectory(Path.Combine(work, "effects"));
        var env = new Dictionary<string, string>
        {
            ["Workflows__ConnectionString"] = engine.Database!,
            ["Workflows__WorkflowsDirectory"] = Path.Combine(engine.Folder, "workflows"),
            ["Workflows__SecretKey"] = secretKey,
            ["Workflows__Workers"] = "16",
            ["WF_TEST_EFFECTS"] = Path.Combine(work, "effects"),
            ["WF_TEST_GATE"] = Path.Combine(work, "gate"),
            ["Logging__Console__FormatterOptions__SingleLine"] = "true",
            ["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ",
        };
        foreach (var (k, v) in Timing)
        {
            env[$"Workflows__{k}"] = v;
        }

        return new CrashHarness(engine, work, env);
    }

    /// <summary>Gets the gate file: while it exists, test.record steps with <c>gated: true</c> keep working (the test host's Effects.Gate).</summary>
    public string Gate => Path.Combine(Work, "gate");

    /// <summary>The file name under which the test actions record an effect with <paramref name="key"/>.</summary>
    public static string EffectFile(string key) => Uri.EscapeDataString(key);

    /// <summary>Starts one more server process on the database, with <paramref name="extra"/> environment variables.</summary>
    public EngineProcess StartServer(IReadOnlyDictionary<string, string>? extra = null)
    {
        var n = servers.Count + 1;
        var env = new Dictionary<string, string>(environment) { ["Workflows__DataDirectory"] = Path.Combine(Work, $"data{n}") };
        foreach (var (k, v) in extra ?? new Dictionary<string, string>())
        {
            env[k] = v;
        }

        var server = EngineProcess.Start(Work, Path.Combine(Work, $"server{n}.log"), env);
        servers.Add(server);
        return server;
    }

    /// <summary>Gets whether the effect of <paramref name="key"/> was applied, and whether it was applied again and adopted.</summary>
    public (bool Applied, bool Adopted) Effect(string key)
    {
        var path = Path.Combine(EffectsFolder, EffectFile(key));
        return (File.Exists(path), File.Exists(path + ".adopted"));
    }

    /// <summary>Gets the keys of every applied effect.</summary>
    public List<string> EffectKeys() =>
        Directory.GetFiles(EffectsFolder).Select(f => Path.GetFileName(f)).Where(f => !f.EndsWith(".adopted", StringComparison.Ordinal)).Select(Uri.UnescapeDataString).ToList();

    /// <summary>Gets the keys of effects that were applied more than once (the repeat adopted the first).</summary>
    public List<string> AdoptedKeys() =>
        Directory.GetFiles(EffectsFolder, "*.adopted").Select(f => Uri.UnescapeDataString(Path.GetFileName(f)[..^".adopted".Length])).ToList();

    /// <summary>Polls the runs until <paramref name="until"/> holds; fails with their state and the server logs after <paramref name="limit"/>.</summary>
    public async Task<List<RunDetail>> WaitForAsync(IReadOnlyList<Guid> ids, Func<List<RunDetail>, bool> until, TimeSpan limit, string what)
    {
        var stop = DateTime.UtcNow + limit;
        List<RunDetail> runs;
        do
        {
            runs = [];
            foreach (var id in ids)
            {
                runs.Add(await Engine.Queries.GetAsync(id) ?? throw new InvalidOperationException($"run {id} not found"));
            }

            if (until(runs))
            {
                return runs;
            }

            if (servers.Count > 0 && servers[^1].HasExited)
            {
                throw new Xunit.Sdk.XunitException($"Server {servers.Count} exited on its own while waiting for {what}.\n{await DiagnoseAsync(runs)}");
            }

            await Task.Delay(100);
        }
        while (DateTime.UtcNow < stop);

        throw new Xunit.Sdk.XunitException($"Timed out after {limit.TotalSeconds:0} s waiting for {what}.\n{await DiagnoseAsync(runs.Where(r => !r.Run.Status.IsTerminal()))}");
    }

    /// <summary>Describes runs (steps, attempts, audit) and the tail of every server's log.</summary>
    public async Task<string> DiagnoseAsync(IEnumerable<RunDetail> runs)
    {
        var text = new StringBuilder();
        foreach (var r in runs.Take(4))
        {
            text.AppendLine($"Run {r.Run.Id}: {r.Run.Status} {r.Run.Error}");
            foreach (var s in r.Steps)
            {
                text.AppendLine($"  step {s.StepId}: {s.Status}, attempt {s.Attempt}, attempts [{string.Join(", ", s.Attempts.Select(a => $"#{a.Number} {a.Status} polls {a.Polls}"))}], next poll {s.NextPollAt:HH:mm:ss.fff}, progress {s.Progress}");
            }

            foreach (var a in await Engine.Queries.GetAuditAsync(r.Run.Id))
            {
                text.AppendLine($"  {a.At:HH:mm:ss.fff} {a.Kind} [{a.StepId}] {a.Message}");
            }
        }

        for (var i = 0; i < servers.Count; i++)
        {
            text.AppendLine($"---- server {i + 1} ({servers[i].LogPath}), last lines ----");
            text.AppendLine(servers[i].Tail(40));
        }

        return text.ToString();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var s in servers)
        {
            s.Dispose();
        }

        await Engine.DisposeAsync();
        if (!Keep)
        {
            Directory.Delete(Work, recursive: true);
        }
    }
}
