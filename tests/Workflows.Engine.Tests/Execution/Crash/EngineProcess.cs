using System.Diagnostics;

namespace Workflows.Engine.Tests.Execution.Crash;

/// <summary>
/// The test host (Workflows.Engine.TestHost) as a separate OS process, configured through
/// <c>Workflows__*</c> environment variables, with its stdout and stderr captured to a file.
/// </summary>
public sealed class EngineProcess : IDisposable
{
    private readonly Process process;
    private readonly StreamWriter log;
    private readonly Lock gate = new();

    private EngineProcess(Process process, StreamWriter log, string logPath)
    {
        this.process = process;
        this.log = log;
        LogPath = logPath;
    }

    /// <summary>Gets the file that receives the process's stdout and stderr.</summary>
    public string LogPath { get; }

    /// <summary>Gets the OS process id.</summary>
    public int Id => process.Id;

    /// <summary>Gets whether the process has exited.</summary>
    public bool HasExited => process.HasExited;

    /// <summary>Gets the path of the test host's entry assembly, copied next to the test assembly through the project reference.</summary>
    public static string HostAssembly
    {
        get
        {
            var candidates = new[]
            {
                Path.Combine(AppContext.BaseDirectory, "Workflows.Engine.TestHost.dll"),
                // Artifacts layout (bin/<project>/<pivot>/) when the copy is missing.
                Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "Workflows.Engine.TestHost", new DirectoryInfo(AppContext.BaseDirectory).Name, "Workflows.Engine.TestHost.dll")),
            };
            return candidates.FirstOrDefault(p => File.Exists(p) && File.Exists(Path.ChangeExtension(p, ".runtimeconfig.json")))
                ?? throw new InvalidOperationException($"Workflows.Engine.TestHost.dll (with its runtimeconfig.json) was not found; looked at: {string.Join(", ", candidates)}");
        }
    }

    /// <summary>Starts <c>dotnet Workflows.Engine.TestHost.dll</c> with <paramref name="environment"/> added to this process's environment.</summary>
    public static EngineProcess Start(string workingDirectory, string logPath, IReadOnlyDictionary<string, string> environment)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
        var info = new ProcessStartInfo(dotnet)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(HostAssembly);
        info.Environment.Remove("WF_TEST_LOG");
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var writer = new StreamWriter(logPath, append: true) { AutoFlush = true };
        var process = new Process { StartInfo = info };
        var child = new EngineProcess(process, writer, logPath);
        process.OutputDataReceived += (_, e) => child.Write(e.Data);
        process.ErrorDataReceived += (_, e) => child.Write(e.Data is null ? null : "stderr: " + e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {dotnet} {HostAssembly}");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Kills the process with SIGKILL (no shutdown hooks run) and waits until it is gone.</summary>
    public void KillHard()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        process.WaitForExit();
        Write($"---- killed (SIGKILL) at {DateTimeOffset.UtcNow:HH:mm:ss.fff}, exit code {process.ExitCode} ----");
    }

    /// <summary>Gets the last lines of the captured output.</summary>
    public string Tail(int lines = 60)
    {
        lock (gate)
        {
            log.Flush();
        }

        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var all = reader.ReadToEnd().Split('\n');
        return string.Join('\n', all.TakeLast(lines));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already gone.
        }

        process.Dispose();
        lock (gate)
        {
            log.Dispose();
        }
    }

    private void Write(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (gate)
        {
            try
            {
                log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // Output that arrives after disposal is dropped.
            }
        }
    }
}
