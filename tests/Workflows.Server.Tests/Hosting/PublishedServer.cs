using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Npgsql;

namespace Workflows.Server.Tests.Hosting;

/// <summary>
/// The server as the Dockerfile runs it: <c>dotnet publish</c> output (published once per test process), started
/// with <c>dotnet Workflows.Server.dll</c> in the publish folder, the Dockerfile's environment, and the connection
/// string in <c>Workflows__ConnectionString</c> as docker-compose.yml passes it. It listens on
/// <c>http://127.0.0.1:0</c> and its address is read from the "Workflows portal:" line it prints once bound: a port
/// probed free beforehand could be taken by another process before the server binds it.
/// </summary>
public sealed partial class PublishedServer : IAsyncDisposable
{
    /// <summary>A workflow of one short delay, so a run needs nothing but the engine.</summary>
    public const string WaitWorkflow = """
        name: wait-a-moment
        description: Waits one second without holding a worker
        steps:
          - id: wait
            uses: core.delay
            with: { duration: 1s }
        """;

    private static readonly Lazy<Task<string>> Published = new(PublishAsync);
    private static readonly string SecretKey = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    private Process process;
    private readonly ConcurrentQueue<string> lines = new();
    private int port; // 0 until the running process has printed its address

    private PublishedServer(Process process, string folder, IReadOnlyDictionary<string, string> environment)
    {
        this.process = process;
        Folder = folder;
        Environment = environment;
        Client = NewClient();
    }

    /// <summary>Gets the server's own folder (data, workflows, HOME).</summary>
    public string Folder { get; }

    /// <summary>
    /// Gets the loopback port the running server printed in its "Workflows portal:" line (ASPNETCORE_URLS asks for
    /// port 0; a restart gets a new port). Known once <see cref="WaitHealthyAsync"/> has returned.
    /// </summary>
    public int Port => Volatile.Read(ref port) is > 0 and var p ? p : throw new InvalidOperationException("The server has not printed its address yet.");

    /// <summary>Gets the environment the server was started with (minus the inherited one).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    /// <summary>Gets a client for the server's address (requests go to the port of the running server, across restarts).</summary>
    public HttpClient Client { get; }

    /// <summary>Gets every line the server wrote to stdout and stderr so far.</summary>
    public IReadOnlyList<string> Lines => [.. lines];

    /// <summary>Gets the repository root (where workflows/ and src/ are).</summary>
    public static string RepositoryRoot { get; } = typeof(PublishedServer).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
        .Cast<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    /// <summary>Gets the admin connection string of the test PostgreSQL.</summary>
    public static string AdminConnectionString => System.Environment.GetEnvironmentVariable("WORKFLOWS_TEST_POSTGRES") is { Length: > 0 } cs
        ? cs
        : throw new InvalidOperationException("WORKFLOWS_TEST_POSTGRES is not set: start a PostgreSQL with .ci/services/postgres.sh (see README, Test suites).");

    /// <summary>Creates an empty database on the server of <paramref name="adminConnectionString"/> and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string adminConnectionString, string? applicationName = null)
    {
        var name = $"wf_pub_{Guid.NewGuid():N}"[..24];
        await using (var c = new NpgsqlConnection(adminConnectionString))
        {
            await c.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", c);
            await cmd.ExecuteNonQueryAsync();
        }

        // No pool size here: the server's own defaults must be what bounds it.
        var b = new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = name };
        b.Remove("Maximum Pool Size");
        if (applicationName is not null)
        {
            b.ApplicationName = applicationName;
        }

        return b.ConnectionString;
    }

    /// <summary>Starts a published server on loopback port 0 against <paramref name="connectionString"/>; does not wait for it.</summary>
    public static async Task<PublishedServer> StartAsync(string connectionString, IReadOnlyDictionary<string, string>? extra = null)
    {
        var publish = await Published.Value;
        var folder = Directory.CreateTempSubdirectory("wf-published-").FullName;
        var workflows = Path.Combine(folder, "workflows");
        Directory.CreateDirectory(workflows);
        foreach (var f in Directory.GetFiles(Path.Combine(RepositoryRoot, "workflows"), "*.yaml"))
        {
            File.Copy(f, Path.Combine(workflows, Path.GetFileName(f)));
        }

        await File.WriteAllTextAsync(Path.Combine(workflows, "wait-a-moment.yaml"), WaitWorkflow);
        Directory.CreateDirectory(Path.Combine(folder, "home"));
        var env = new Dictionary<string, string>
        {
            // The Dockerfile's ENV, with the listen address on loopback (any free port, bound by the server itself)
            // and the volumes in this test's folder.
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["Workflows__DataDirectory"] = Path.Combine(folder, "data"),
            ["Workflows__WorkflowsDirectory"] = workflows,
            // docker-compose.yml's environment.
            ["Workflows__ConnectionString"] = connectionString,
            ["Workflows__SecretKey"] = SecretKey,
            ["Workflows__Workers"] = "20",
            ["HOME"] = Path.Combine(folder, "home"),
        };
        foreach (var (k, v) in extra ?? new Dictionary<string, string>())
        {
            env[k] = v;
        }

        var process = Start(publish, ["Workflows.Server.dll"], env);
        var server = new PublishedServer(process, folder, env);
        process.OutputDataReceived += (_, e) => server.Add(e.Data);
        process.ErrorDataReceived += (_, e) => server.Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Waits until /healthz answers 200; fails if the process exits first or after <paramref name="limit"/>.</summary>
    public async Task WaitHealthyAsync(TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        string last = "no answer";
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The server exited with {process.ExitCode} before it was healthy:\n{string.Join('\n', Lines.TakeLast(40))}");
            }

            try
            {
                using var r = await Client.GetAsync("/healthz");
                if (r.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }

                last = $"{(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}";
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"The server (port {Volatile.Read(ref port)}) was not healthy within {limit} (last: {last}):\n{string.Join('\n', Lines.TakeLast(40))}");
    }

    /// <summary>Kills the server with SIGKILL (no shutdown hook runs, nothing is flushed) and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
        Add($"---- killed (SIGKILL) at {DateTimeOffset.UtcNow:HH:mm:ss.fff} ----");
    }

    /// <summary>
    /// Starts the server again after <see cref="KillAsync"/>: same folder, database and environment, on a new port
    /// (<see cref="Client"/> and the clients of <see cref="OperatorClientAsync"/> follow it).
    /// </summary>
    public async Task RestartAsync()
    {
        if (!process.HasExited)
        {
            throw new InvalidOperationException("The server is still running: kill it first.");
        }

        var publish = await Published.Value;
        process.Dispose();
        Volatile.Write(ref port, 0);
        process = Start(publish, ["Workflows.Server.dll"], Environment);
        process.OutputDataReceived += (_, e) => Add(e.Data);
        process.ErrorDataReceived += (_, e) => Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>Runs a command of the published server (e.g. create-token) with this server's environment; returns stdout.</summary>
    public async Task<string> RunCommandAsync(params string[] args)
    {
        var publish = await Published.Value;
        using var p = Start(publish, ["Workflows.Server.dll", .. args], Environment);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"Workflows.Server {string.Join(' ', args)} exited with {p.ExitCode}: {await stderr}");
        }

        return (await stdout).Trim();
    }

    /// <summary>Creates an operator token through the CLI and returns a client that sends it.</summary>
    public async Task<HttpClient> OperatorClientAsync()
    {
        var token = await RunCommandAsync("create-token", "--name", $"test-{Guid.NewGuid():N}"[..16], "--role", "operator");
        var c = NewClient();
        c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return c;
    }

    /// <summary>Starts a run of <c>wait-a-moment</c>; returns the answer.</summary>
    public static Task<HttpResponseMessage> StartRunAsync(HttpClient client) =>
        client.PostAsync("/api/workflows/wait-a-moment/runs", new StringContent("""{"inputs":{}}""", Encoding.UTF8, "application/json"));

    /// <summary>Waits until a run has a final status and returns it.</summary>
    public static async Task<string> WaitForFinalStatusAsync(HttpClient client, Uri location, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        var status = "?";
        while (DateTime.UtcNow < deadline)
        {
            var run = JsonNode.Parse(await client.GetStringAsync(location))!;
            status = run["run"]!["status"]!.GetValue<string>();
            if (status is "Succeeded" or "Failed" or "Cancelled" or "Compensated")
            {
                return status;
            }

            await Task.Delay(200);
        }

        return $"still {status} after {limit}";
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
        try
        {
            Directory.Delete(Folder, true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    private void Add(string? line)
    {
        if (line is not null)
        {
            lines.Enqueue(line);
            if (PortalLine().Match(line) is { Success: true } m)
            {
                Volatile.Write(ref port, int.Parse(m.Groups[1].ValueSpan, System.Globalization.CultureInfo.InvariantCulture));
            }
        }
    }

    [GeneratedRegex(@"Workflows portal: http://127\.0\.0\.1:(\d+)\b")]
    private static partial Regex PortalLine();

    private HttpClient NewClient() =>
        new(new ToRunningServer(this) { InnerHandler = new SocketsHttpHandler() })
        {
            // The port is filled in by ToRunningServer for each request.
            BaseAddress = new Uri("http://127.0.0.1"),
            Timeout = TimeSpan.FromSeconds(60),
        };

    /// <summary>Sends each request to the port the running server printed; fails like a refused connection before it has.</summary>
    private sealed class ToRunningServer(PublishedServer server) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var p = Volatile.Read(ref server.port);
            if (p == 0)
            {
                throw new HttpRequestException(HttpRequestError.ConnectionError, "The server has not printed its address (\"Workflows portal:\") yet.");
            }

            request.RequestUri = new UriBuilder(request.RequestUri!) { Port = p }.Uri;
            return base.SendAsync(request, cancellationToken);
        }
    }

    private static Process Start(string workingDirectory, IEnumerable<string> args, IReadOnlyDictionary<string, string> env)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        // A container starts with a clean environment: nothing of this test process's configuration leaks in.
        foreach (var key in psi.Environment.Keys.ToList())
        {
            if (key.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || key.StartsWith("DOTNET_", StringComparison.Ordinal)
                || key.StartsWith("Workflows__", StringComparison.Ordinal) || key.StartsWith("OS_", StringComparison.Ordinal)
                || key.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || key.StartsWith("VSTEST", StringComparison.Ordinal))
            {
                psi.Environment.Remove(key);
            }
        }

        foreach (var (k, v) in env)
        {
            psi.Environment[k] = v;
        }

        return Process.Start(psi) ?? throw new InvalidOperationException("dotnet did not start");
    }

    private static async Task<string> PublishAsync()
    {
        var output = Path.Combine(Path.GetTempPath(), $"wf-publish-{System.Environment.ProcessId}");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(output, true);
            }
            catch (IOException)
            {
                // Best effort.
            }
        };
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "publish", Path.Combine("src", "Workflows.Server"), "-c", "Release", "-o", output, "-v", "q", "-nologo" })
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.Ordinal)).ToList())
        {
            psi.Environment.Remove(key);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0 || !File.Exists(Path.Combine(output, "Workflows.Server.dll")))
        {
            throw new InvalidOperationException($"dotnet publish failed ({p.ExitCode}):\n{await stdout}\n{await stderr}");
        }

        return output;
    }
}
