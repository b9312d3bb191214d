using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Workflows.Benchmarks.Infrastructure;

/// <summary>
/// The real server (Workflows.Server.dll in its own process, as production runs it: Kestrel, authentication, the API,
/// the engine on PostgreSQL) with an API token, on a free loopback port; its stderr is echoed with a prefix. It is started
/// on port 0 and its address is read from the "Workflows portal:" line it prints once bound: a port probed free beforehand
/// could be taken by another process before the server binds it.
/// </summary>
internal sealed partial class ServerProcess : IAsyncDisposable
{
    private ServerProcess(Process process, HttpClient http, string name)
    {
        Process = process;
        Http = http;
        Name = name;
    }

    /// <summary>Gets the process.</summary>
    public Process Process { get; }

    /// <summary>Gets a client of the server's API, authenticated with the token, at most <c>connections</c> connections.</summary>
    public HttpClient Http { get; }

    /// <summary>Gets the name its log lines are prefixed with.</summary>
    public string Name { get; }

    /// <summary>Starts a server and waits until <c>/healthz</c> answers.</summary>
    /// <param name="name">Prefix of its log lines.</param>
    /// <param name="connectionString">The engine's PostgreSQL database.</param>
    /// <param name="folder">Where its data directory goes (one per server).</param>
    /// <param name="workflows">Its workflows folder.</param>
    /// <param name="secretKey">The secret key (servers sharing a database share it).</param>
    /// <param name="settings">Environment variables beyond the common ones (Workflows__Workers, Workflows__RunWorkers, …).</param>
    /// <param name="connections">The HTTP client's connection limit.</param>
    /// <param name="ct">Cancellation.</param>
    public static async Task<ServerProcess> StartAsync(string name, string connectionString, string folder, string workflows, string secretKey, IReadOnlyDictionary<string, string> settings, int connections, CancellationToken ct)
    {
        var dll = typeof(ServerProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "WorkflowsServerDll").Value!;
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"The server is not built at {dll}; build tests/Workflows.Benchmarks (it builds the server).", dll);
        }

        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add("http://127.0.0.1:0"); // any free port, bound by the server itself
        var env = start.Environment;
        env["ASPNETCORE_ENVIRONMENT"] = "Production";
        env["Workflows__ConnectionString"] = connectionString;
        env["Workflows__DataDirectory"] = Path.Combine(folder, "data");
        env["Workflows__WorkflowsDirectory"] = workflows;
        env["Workflows__WatchDefinitions"] = "false";
        env["Workflows__SecretKey"] = secretKey;
        env["Sandbox__Enabled"] = "false";
        env["Auth__BootstrapAdmin"] = "false";
        env["Auth__ApiTokens__0__Name"] = "bench";
        env["Auth__ApiTokens__0__Sha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(token)));
        env["Auth__ApiTokens__0__Role"] = "operator";
        env["Logging__LogLevel__Default"] = "Warning";
        env["Logging__LogLevel__Workflows.Server.Hosting.StartupBanner"] = "Information"; // the line with the bound address
        foreach (var (key, value) in settings)
        {
            env[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var bound = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line && PortalLine().Match(line) is { Success: true } m)
            {
                bound.TrySetResult(m.Groups["url"].Value);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                Console.Error.WriteLine($"  {name}: {line}");
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        string address;
        try
        {
            address = await WaitForAddressAsync(name, process, bound.Task, ct);
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            process.Dispose();
            throw;
        }

        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = new Uri(address),
            Timeout = TimeSpan.FromSeconds(60),
        };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        var server = new ServerProcess(process, http, name);
        try
        {
            await server.WaitHealthyAsync(ct);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>Starts a run of <paramref name="workflow"/> with no inputs through the API; throws unless it is accepted (202).</summary>
    public async Task StartRunAsync(string workflow, CancellationToken ct)
    {
        using var response = await Http.PostAsync($"/api/workflows/{workflow}/runs", new StringContent("{\"inputs\":{}}", Encoding.UTF8, "application/json"), ct);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"POST /api/workflows/{workflow}/runs answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        }
    }

    /// <summary>Kills the process tree with SIGKILL (no shutdown of any kind) and waits for it to be gone.</summary>
    public async Task KillHardAsync()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
        }

        await Process.WaitForExitAsync(CancellationToken.None);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await KillHardAsync();
        Http.Dispose();
        Process.Dispose();
    }

    private async Task WaitHealthyAsync(CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (Process.HasExited)
            {
                throw new InvalidOperationException($"The server {Name} exited with code {Process.ExitCode} before it was healthy.");
            }

            try
            {
                using var r = await Http.GetAsync("/healthz", ct);
                if (r.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (watch.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new TimeoutException($"The server {Name} was not healthy within 2 minutes.");
            }

            await Task.Delay(200, ct);
        }
    }

    /// <summary>Returns a loopback port free at the moment of the call (another process may take it before it is bound).</summary>
    internal static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"Workflows portal: (?<url>http://127\.0\.0\.1:[1-9][0-9]*)\b")]
    private static partial Regex PortalLine();

    /// <summary>Waits until the server has printed the address it bound; fails if it exits first or after 2 minutes.</summary>
    private static async Task<string> WaitForAddressAsync(string name, Process process, Task<string> bound, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(TimeSpan.FromMinutes(2));
        var exited = process.WaitForExitAsync(limit.Token);
        try
        {
            if (await Task.WhenAny(bound, exited) == bound)
            {
                return await bound;
            }

            await exited;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"The server {name} did not print its address within 2 minutes.");
        }

        throw new InvalidOperationException($"The server {name} exited with code {process.ExitCode} before printing its address.");
    }
}
