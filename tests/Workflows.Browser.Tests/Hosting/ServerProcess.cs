using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Workflows.Browser.Tests.Hosting;

/// <summary>
/// The real server (<c>dotnet Workflows.Server.dll</c>) as a child process on a free loopback port, with its
/// console captured to a log file. It is started on port 0 and its address is read from the "Workflows portal:" line it
/// prints once bound: a port probed free beforehand could be taken by another process before the server binds it. It runs in the Development environment: a build output (rather than a
/// published one) serves the static web assets (MudBlazor's CSS and JS, the portal's own files) only
/// there; in Production those URLs answer 200 with an empty body.
/// </summary>
public sealed partial class ServerProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StreamWriter log;
    private readonly Lock logLock = new();
    private readonly TaskCompletionSource<Uri> bound = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServerProcess(Process process, StreamWriter log, string logFile)
    {
        this.process = process;
        this.log = log;
        LogFile = logFile;
    }

    /// <summary>Gets the portal's address as the server printed it once bound, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseUrl => bound.Task.IsCompletedSuccessfully ? bound.Task.Result : throw new InvalidOperationException("The server has not printed its address yet.");

    /// <summary>Gets the file holding the server's console output.</summary>
    public string LogFile { get; }

    /// <summary>Starts the server from the test output folder and waits until it answers <c>/healthz</c>.</summary>
    /// <param name="settings">Configuration as key/value pairs, passed as <c>--key=value</c> arguments.</param>
    /// <param name="logFile">Where the console output goes.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <param name="environment">More environment variables for the server, or null.</param>
    public static async Task<ServerProcess> StartAsync(IReadOnlyDictionary<string, string> settings, string logFile, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? environment = null)
    {
        var folder = AppContext.BaseDirectory;
        var dll = Path.Combine(folder, "Workflows.Server.dll");
        if (!File.Exists(dll) || !File.Exists(Path.Combine(folder, "Workflows.Server.runtimeconfig.json")))
        {
            throw new InvalidOperationException($"{dll} (with its runtimeconfig.json) is missing: build tests/Workflows.Browser.Tests, which references the server project.");
        }

        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add("http://127.0.0.1:0"); // any free port, bound by the server itself
        start.ArgumentList.Add("--contentRoot");
        start.ArgumentList.Add(folder);
        foreach (var (key, value) in settings)
        {
            start.ArgumentList.Add($"--{key}={value}");
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["DOTNET_ENVIRONMENT"] = "Development";
        start.Environment.Remove("ASPNETCORE_URLS");
        start.Environment.Remove("ASPNETCORE_HTTP_PORTS");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var writer = new StreamWriter(logFile, append: false) { AutoFlush = true };
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var server = new ServerProcess(process, writer, logFile);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await server.WaitUntilHealthyAsync(cancellationToken);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>Returns the last lines of the server's log, for failure messages.</summary>
    public string LogTail(int lines = 60)
    {
        lock (logLock)
        {
            log.Flush();
        }

        using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var all = reader.ReadToEnd().Split('\n');
        return string.Join('\n', all.TakeLast(lines));
    }

    /// <summary>
    /// Waits until the server's output matches <paramref name="pattern"/> and returns the match (unsuccessful after
    /// <paramref name="timeout"/>). What the server printed before it answered /healthz is not necessarily in the log yet:
    /// its output reaches the log through a pipe that this process reads in the background.
    /// </summary>
    public async Task<Match> WaitForOutputAsync(Regex pattern, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var match = pattern.Match(LogTail(int.MaxValue));
            if (match.Success || DateTime.UtcNow > deadline || process.HasExited)
            {
                return match;
            }

            await Task.Delay(100); // an upper bound on the wait, not a pace
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await process.WaitForExitAsync(wait.Token);
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already gone.
        }

        process.Dispose();
        lock (logLock)
        {
            log.Dispose();
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        if (PortalLine().Match(line) is { Success: true } m)
        {
            bound.TrySetResult(new Uri(m.Groups["url"].Value + "/"));
        }

        lock (logLock)
        {
            try
            {
                log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // Output that arrives while the process is being killed.
            }
        }
    }

    [GeneratedRegex(@"Workflows portal: (?<url>http://127\.0\.0\.1:[1-9][0-9]*)\b")]
    private static partial Regex PortalLine();

    private async Task WaitUntilHealthyAsync(CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(90));

        // First the address: the server prints it once Kestrel has bound the port (or exits).
        var exited = process.WaitForExitAsync(deadline.Token);
        try
        {
            if (await Task.WhenAny(bound.Task, exited) != bound.Task)
            {
                await exited; // throws if the deadline passed
                throw new InvalidOperationException($"The server exited with code {process.ExitCode} before printing its address. Its log ({LogFile}):\n{LogTail()}");
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The server did not print its address (\"Workflows portal:\") within 90 s. Its log ({LogFile}):\n{LogTail()}");
        }

        using var http = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(5) };
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The server exited with code {process.ExitCode} before answering /healthz. Its log ({LogFile}):\n{LogTail()}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri("healthz", UriKind.Relative), deadline.Token);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"The server did not answer {BaseUrl}healthz within 90 s. Its log ({LogFile}):\n{LogTail()}");
            }
            catch (TaskCanceledException)
            {
                // One request timed out; try again.
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"The server did not answer {BaseUrl}healthz within 90 s. Its log ({LogFile}):\n{LogTail()}");
            }
        }
    }
}
