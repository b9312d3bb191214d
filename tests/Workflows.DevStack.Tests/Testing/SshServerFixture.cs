using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Clouds;
using Workflows.Abstractions.Secrets;
using Workflows.DevStack.Install;

namespace Workflows.DevStack.Tests.Testing;

/// <summary>
/// The real sshd started by <c>.ci/services/sshd.sh</c> (read from WORKFLOWS_TEST_SSH_*) plus a local
/// git repository made from StandIn/ that stands in for devstack.
/// </summary>
public sealed class SshServerFixture : IDisposable
{
    public const string Script = ".ci/services/sshd.sh";

    public SshServerFixture()
    {
        if (!IsConfigured && Environment.GetEnvironmentVariable("WORKFLOWS_TEST_ALLOW_SKIP") == "1")
        {
            // Every test of the collection is skipped (see SshFactAttribute).
            Host = User = PrivateKey = Password = HostKeyFingerprint = WorkDir = StackUser = RepositoryPath = string.Empty;
            return;
        }

        Host = Require("WORKFLOWS_TEST_SSH_HOST");
        Port = int.Parse(Require("WORKFLOWS_TEST_SSH_PORT"), System.Globalization.CultureInfo.InvariantCulture);
        User = Require("WORKFLOWS_TEST_SSH_USER");
        PrivateKey = File.ReadAllText(Require("WORKFLOWS_TEST_SSH_KEY"));
        Password = Require("WORKFLOWS_TEST_SSH_PASSWORD");
        HostKeyFingerprint = Require("WORKFLOWS_TEST_SSH_HOSTKEY_FINGERPRINT");
        WorkDir = Require("WORKFLOWS_TEST_SSH_WORKDIR");
        StackUser = Require("WORKFLOWS_TEST_SSH_STACK_USER");
        RepositoryPath = CreateStandInRepository();
    }

    public string Host { get; }

    public int Port { get; }

    public string User { get; }

    public string PrivateKey { get; }

    public string Password { get; }

    public string HostKeyFingerprint { get; }

    public string WorkDir { get; }

    public string StackUser { get; }

    public string RepositoryPath { get; }

    /// <summary>Returns whether the sshd service variables are present.</summary>
    public static bool IsConfigured => Environment.GetEnvironmentVariable("WORKFLOWS_TEST_SSH_HOST") is { Length: > 0 };

    /// <summary>Returns inputs for an install into a fresh stack home of its own (so tests never share a job folder).</summary>
    public DevStackInstallInputs Inputs(params string[] extraLocalConf)
    {
        var home = Path.Combine(WorkDir, "stack-" + Guid.NewGuid().ToString("N")[..10]);
        return new DevStackInstallInputs
        {
            Host = Host,
            Port = Port,
            User = User,
            PrivateKey = new Secret(PrivateKey),
            HostKeyFingerprint = HostKeyFingerprint,
            RepositoryUrl = RepositoryPath,
            Branch = "stable/2025.1",
            HostIp = "127.0.0.1",
            FloatingRange = "172.24.4.0/24",
            FixedRange = "10.11.12.0/24",
            Plugins = ["heat"],
            StackUser = StackUser,
            StackHome = home,
            CloudName = "devstack-test",
            ExtraLocalConf = [.. extraLocalConf],
        };
    }

    /// <summary>Creates a gate folder the stand-in's steps wait on; <see cref="Open"/> releases a step.</summary>
    public string NewGateDir()
    {
        var dir = Path.Combine(WorkDir, "gates-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static void Open(string gateDir, int step) => File.WriteAllText(Path.Combine(gateDir, step.ToString(System.Globalization.CultureInfo.InvariantCulture)), "open");

    /// <summary>Returns how many times the stand-in stack.sh started in <paramref name="devstackDir"/>.</summary>
    public static int StackRuns(string devstackDir)
    {
        var path = Path.Combine(devstackDir, ".standin-runs");
        return File.Exists(path) ? File.ReadAllLines(path).Count(l => l.Length > 0) : 0;
    }

    public static ServiceProvider Services(FakeCloudCatalog? catalog = null, Action<DevStackOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddDevStack(o =>
        {
            // The flow is under test here, not this machine's size.
            o.MinCpus = 1;
            o.MinMemoryMiB = 256;
            o.MinFreeDiskGiB = 1;
            o.PollInterval = TimeSpan.FromMilliseconds(100);
            o.CatchUpPollInterval = TimeSpan.FromMilliseconds(10);
            o.SandboxPollInterval = TimeSpan.FromMilliseconds(10);
            configure?.Invoke(o);
        });
        if (catalog is not null)
        {
            services.AddSingleton<ICloudCatalog>(catalog);
        }

        return services.BuildServiceProvider();
    }

    public void Dispose()
    {
    }

    private static string Require(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } v
            ? v
            : throw new InvalidOperationException($"{name} is not set: start the test sshd with `bash {Script} start` and load $WF_TEST_ENV (see .ci/test.sh), or set WORKFLOWS_TEST_ALLOW_SKIP=1 to skip these tests.");

    private string CreateStandInRepository()
    {
        var repo = Path.Combine(WorkDir, "devstack-standin-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(repo);
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "StandIn")))
        {
            File.Copy(file, Path.Combine(repo, Path.GetFileName(file)));
        }

        Git(repo, "init", "--quiet", "--initial-branch=master");
        Git(repo, "add", "--chmod=+x", "stack.sh", "unstack.sh", "clean.sh");
        Git(repo, "add", "README.md");
        Git(repo, "-c", "user.name=tests", "-c", "user.email=tests@localhost", "commit", "--quiet", "-m", "stand-in devstack");
        Git(repo, "branch", "stable/2025.1");

        // The stack user clones from a bundle: git refuses to read a repository another user owns
        // ("dubious ownership"), and a bundle is a plain file, like a mirror's snapshot.
        var bundle = repo + ".bundle";
        Git(repo, "bundle", "create", "--quiet", bundle, "--all");

        // The stack user clones it: everything readable, nothing writable.
        Run("chmod", "a+r", bundle);
        return bundle;
    }

    private static void Git(string repo, params string[] args) => Run("git", ["-C", repo, .. args]);

    private static void Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var p = Process.Start(start)!;
        var err = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed: {err}");
        }
    }
}

[CollectionDefinition(Name)]
public sealed class SshCollection : ICollectionFixture<SshServerFixture>
{
    public const string Name = "sshd";
}

/// <summary>A fact that needs the test sshd; skipped only when it is absent and WORKFLOWS_TEST_ALLOW_SKIP=1.</summary>
public sealed class SshFactAttribute : FactAttribute
{
    public SshFactAttribute()
    {
        if (!SshServerFixture.IsConfigured && Environment.GetEnvironmentVariable("WORKFLOWS_TEST_ALLOW_SKIP") == "1")
        {
            Skip = $"WORKFLOWS_TEST_SSH_* not set (run `bash {SshServerFixture.Script} start`); skipped because WORKFLOWS_TEST_ALLOW_SKIP=1.";
        }
    }
}
