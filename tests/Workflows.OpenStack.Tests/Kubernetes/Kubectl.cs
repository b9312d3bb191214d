using System.Diagnostics;

namespace Workflows.OpenStack.Tests.Kubernetes;

/// <summary>Runs the real <c>/usr/bin/kubectl</c> with one kubeconfig and a private HOME (no discovery cache shared between tests).</summary>
public sealed class Kubectl(string kubeconfig, string home)
{
    /// <summary>The result of one kubectl run.</summary>
    public sealed record Result(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
    {
        public string Output => Stdout + Stderr;
    }

    /// <summary>Runs kubectl and fails the test when it exits non-zero.</summary>
    public async Task<string> RunAsync(params string[] args)
    {
        var r = await TryAsync(args);
        Assert.True(r.ExitCode == 0, $"kubectl {string.Join(' ', args)} exited with {r.ExitCode}:\n{r.Stderr}\n{r.Stdout}");
        return r.Stdout;
    }

    /// <summary>Runs kubectl and returns what happened, whatever the exit code.</summary>
    public async Task<Result> TryAsync(params string[] args)
    {
        var executable = File.Exists("/usr/bin/kubectl") ? "/usr/bin/kubectl" : "kubectl";
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("--kubeconfig");
        start.ArgumentList.Add(kubeconfig);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("KUBE", StringComparison.Ordinal) || k.EndsWith("_PROXY", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["HOME"] = home;
        start.Environment["NO_PROXY"] = "127.0.0.1,localhost";

        Process process;
        var watch = Stopwatch.StartNew();
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("kubectl is missing: the conformance tests need /usr/bin/kubectl (1.32).", ex);
        }

        using (process)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            return new Result(process.ExitCode, await stdout, await stderr, watch.Elapsed);
        }
    }
}
