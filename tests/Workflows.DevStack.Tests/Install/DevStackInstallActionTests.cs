using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Secrets;
using Workflows.DevStack.Install;
using Workflows.DevStack.Tests.Testing;
using Workflows.Testing;

namespace Workflows.DevStack.Tests.Install;

[Collection(SshCollection.Name)]
public sealed class DevStackInstallActionTests(SshServerFixture ssh)
{
    [SshFact]
    public async Task ExecuteAsync_StreamsLogWhileStackShRuns_AndRegistersTheCloud()
    {
        var gates = ssh.NewGateDir();
        var inputs = ssh.Inputs($"STANDIN_GATE_DIR={gates}");
        var catalog = new FakeCloudCatalog();
        using var services = SshServerFixture.Services(catalog);
        var context = new TestStepContext(services, inputs);
        var action = services.GetRequiredService<DevStackInstallAction>();
        var opened = 0;

        // A step's gate opens only after a poll has shown the previous step's output, so each of
        // those polls must have carried new log text while stack.sh was still running.
        var (result, polls) = await ActionDriver.RunAsync(action, context, onPending: (poll, _) =>
        {
            if (opened < 4 && context.Recorder.Text.Contains(opened == 0 ? "Started stack.sh" : $"step {opened}:", StringComparison.Ordinal))
            {
                SshServerFixture.Open(gates, ++opened);
            }

            return Task.CompletedTask;
        });

        var outputs = Results.Completed<DevStackInstallOutputs>(result);
        var stepPolls = polls.Where(p => p.LogAdded.Contains("| step ", StringComparison.Ordinal)).ToList();
        Assert.True(stepPolls.Count >= 3, $"expected several polls each adding stack.sh output, saw {stepPolls.Count}");
        Assert.All(stepPolls, p => Assert.Contains("stack.sh running", p.Result.Progress, StringComparison.Ordinal));
        Assert.Equal("http://127.0.0.1/identity", outputs.KeystoneUrl);
        Assert.Equal("RegionOne", outputs.Region);
        Assert.Equal("admin", outputs.AdminUser);
        Assert.Equal("devstack-test", outputs.CloudName);
        Assert.True(outputs.Registered);
        Assert.False(outputs.Simulated);
        Assert.Equal(ssh.HostKeyFingerprint, outputs.HostKeyFingerprint);
        var registered = Assert.Single(catalog.Registered);
        Assert.Equal(("devstack-test", "http://127.0.0.1/identity", "admin"), (registered.Name, registered.AuthUrl, registered.Username));
        Assert.Equal(outputs.AdminPassword, registered.Password);
        Assert.Contains("Enabling plugin heat", context.Recorder.Text, StringComparison.Ordinal);
        Assert.Contains("stack.sh completed", context.Recorder.Text, StringComparison.Ordinal);
        Assert.Equal(1, SshServerFixture.StackRuns(inputs.DevstackFolder));
        Assert.Contains(context.Recorder.Recorded, r => r.Kind == "devstack.install" && r.ExternalId == $"{ssh.Host}:{inputs.DevstackFolder}");
        Assert.Contains(context.Recorder.Calls, c => c.Service == "ssh" && c.Method == "preflight" && c.Status == 0);
    }

    [SshFact]
    public async Task ExecuteAsync_ReattachesToRunningStackSh_WhenAllDriverStateIsLostMidInstall()
    {
        var gates = ssh.NewGateDir();
        var inputs = ssh.Inputs($"STANDIN_GATE_DIR={gates}");
        var key = $"{Guid.NewGuid()}:devstack";
        using (var services = SshServerFixture.Services(new FakeCloudCatalog()))
        {
            var first = new TestStepContext(services, inputs, idempotencyKey: key);
            SshServerFixture.Open(gates, 1);
            var (pending, _) = await ActionDriver.RunAsync(
                services.GetRequiredService<DevStackInstallAction>(),
                first,
                stopWhen: (_, _) => first.Recorder.Text.Contains("step 1:", StringComparison.Ordinal));
            Results.Pending(pending);
        }

        // "The server was killed": a new process, new action, no state, and the engine starts a fresh attempt.
        var catalog = new FakeCloudCatalog();
        using var restarted = SshServerFixture.Services(catalog);
        var second = new TestStepContext(restarted, inputs, idempotencyKey: key) { AttemptNumber = 2 };

        // stack.sh is held at step 2 until the restarted step has looked at the host.
        var (result, _) = await ActionDriver.RunAsync(restarted.GetRequiredService<DevStackInstallAction>(), second, onPending: (_, n) =>
        {
            if (n == 1)
            {
                Assert.True(File.Exists(Path.Combine(inputs.DevstackFolder, ".standin-runs")));
                Assert.DoesNotContain("stack.sh completed", second.Recorder.Text, StringComparison.Ordinal);
                for (var step = 2; step <= 4; step++)
                {
                    SshServerFixture.Open(gates, step);
                }
            }

            return Task.CompletedTask;
        });

        Results.Completed<DevStackInstallOutputs>(result);
        Assert.Contains("Re-attached", second.Recorder.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("Started stack.sh", second.Recorder.Text, StringComparison.Ordinal);
        Assert.Contains("stack.sh completed", second.Recorder.Text, StringComparison.Ordinal);
        Assert.Equal(1, SshServerFixture.StackRuns(inputs.DevstackFolder));
        Assert.Single(catalog.Registered);
    }

    [SshFact]
    public async Task ExecuteAsync_ReattachesToFinishedStackSh_WhenTheSameAttemptRunsAgainWithoutState()
    {
        var inputs = ssh.Inputs();
        using var services = SshServerFixture.Services(new FakeCloudCatalog());
        var key = $"{Guid.NewGuid()}:devstack";
        var (first, _) = await ActionDriver.RunAsync(services.GetRequiredService<DevStackInstallAction>(), new TestStepContext(services, inputs, idempotencyKey: key));
        Results.Completed<DevStackInstallOutputs>(first);

        // At-least-once: the engine crashed before committing the result and runs the attempt again.
        var again = new TestStepContext(services, inputs, idempotencyKey: key);
        var (result, _) = await ActionDriver.RunAsync(services.GetRequiredService<DevStackInstallAction>(), again);

        Results.Completed<DevStackInstallOutputs>(result);
        Assert.Contains("Re-attached", again.Recorder.Text, StringComparison.Ordinal);
        Assert.Equal(1, SshServerFixture.StackRuns(inputs.DevstackFolder));
    }

    [SshFact]
    public async Task ExecuteAsync_RunsStackShAgain_WhenANewAttemptFollowsAFailedOne()
    {
        var inputs = ssh.Inputs("STANDIN_FAIL=1");
        using var services = SshServerFixture.Services(new FakeCloudCatalog());
        var key = $"{Guid.NewGuid()}:devstack";
        var (first, _) = await ActionDriver.RunAsync(services.GetRequiredService<DevStackInstallAction>(), new TestStepContext(services, inputs, idempotencyKey: key));
        Results.Failed(first, "devstack.stack_failed");

        var retry = new TestStepContext(services, inputs, idempotencyKey: key) { AttemptNumber = 2 };
        var (second, _) = await ActionDriver.RunAsync(services.GetRequiredService<DevStackInstallAction>(), retry);

        Results.Failed(second, "devstack.stack_failed");
        Assert.Contains("Started stack.sh", retry.Recorder.Text, StringComparison.Ordinal);
        Assert.Equal(2, SshServerFixture.StackRuns(inputs.DevstackFolder));
    }

    [SshFact]
    public async Task ExecuteAsync_RefusesToStartASecondStackSh_WhenAnotherRunsOnTheHost()
    {
        var gates = ssh.NewGateDir();
        var inputs = ssh.Inputs($"STANDIN_GATE_DIR={gates}");
        using var services = SshServerFixture.Services(new FakeCloudCatalog());
        var running = new TestStepContext(services, inputs);
        var (pending, _) = await ActionDriver.RunAsync(services.GetRequiredService<DevStackInstallAction>(), running, stopWhen: (_, _) => true);
        Results.Pending(pending);

        var other = new TestStepContext(services, inputs);
        var result = await services.GetRequiredService<DevStackInstallAction>().ExecuteAsync(other);

        var failed = Results.Failed(result, "devstack.busy");
        Assert.True(failed.Retryable);
        for (var step = 1; step <= 4; step++)
        {
            SshServerFixture.Open(gates, step);
        }

        var (finished, _) = await ActionDriver.RunAsync(services.GetRequiredService<DevStackInstallAction>(), running);
        Results.Completed<DevStackInstallOutputs>(finished);
        Assert.Equal(1, SshServerFixture.StackRuns(inputs.DevstackFolder));
    }

    [SshFact]
    public async Task ExecuteAsync_FailsWithTheErrorLine_WhenStackShFails()
    {
        var inputs = ssh.Inputs("STANDIN_FAIL=1");
        using var services = SshServerFixture.Services(new FakeCloudCatalog());
        var context = new TestStepContext(services, inputs);

        var (result, _) = await ActionDriver.RunAsync(services.GetRequiredService<DevStackInstallAction>(), context);

        var failed = Results.Failed(result, "devstack.stack_failed");
        Assert.False(failed.Retryable);
        Assert.Contains($"[ERROR] {inputs.DevstackFolder}/lib/keystone:590 keystone did not start", failed.Message, StringComparison.Ordinal);
        Assert.Contains("exit code 1", failed.Message, StringComparison.Ordinal);
    }

    [SshFact]
    public async Task ExecuteAsync_FailsWithNonRetryableAuthError_WhenKeyIsWrong()
    {
        var inputs = ssh.Inputs();
        using var rsa = RSA.Create(2048);
        inputs.PrivateKey = new Secret(rsa.ExportRSAPrivateKeyPem());
        using var services = SshServerFixture.Services();
        var context = new TestStepContext(services, inputs);

        var result = await services.GetRequiredService<DevStackInstallAction>().ExecuteAsync(context);

        var failed = Results.Failed(result, "ssh.auth_failed");
        Assert.False(failed.Retryable);
        Assert.Contains($"'{ssh.User}'", failed.Message, StringComparison.Ordinal);
        Assert.Contains("authentication", failed.Message, StringComparison.OrdinalIgnoreCase);
    }

    [SshFact]
    public async Task ExecuteAsync_RefusesHostWithBothFingerprints_WhenHostKeyDoesNotMatchThePin()
    {
        var inputs = ssh.Inputs();
        var pinned = "SHA256:" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=');
        inputs.HostKeyFingerprint = pinned;
        using var services = SshServerFixture.Services();
        var context = new TestStepContext(services, inputs);

        var result = await services.GetRequiredService<DevStackInstallAction>().ExecuteAsync(context);

        var failed = Results.Failed(result, "ssh.hostkey_mismatch");
        Assert.False(failed.Retryable);
        Assert.Contains(pinned, failed.Message, StringComparison.Ordinal);
        Assert.Contains(ssh.HostKeyFingerprint, failed.Message, StringComparison.Ordinal);
    }

    [SshFact]
    public async Task ExecuteAsync_FailsPreflightWithoutTouchingTheHost_WhenOsIsUnsupported()
    {
        var osRelease = Path.Combine(ssh.WorkDir, $"os-release-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(osRelease, "ID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME=\"Alpine Linux v3.20\"\n");
        var inputs = ssh.Inputs();
        inputs.OsReleasePath = osRelease;

        // Password login instead of the key, to cover that path too.
        inputs.PrivateKey = null;
        inputs.Password = new Secret(ssh.Password);
        using var services = SshServerFixture.Services();
        var context = new TestStepContext(services, inputs);

        var result = await services.GetRequiredService<DevStackInstallAction>().ExecuteAsync(context);

        var failed = Results.Failed(result, "preflight.os_unsupported");
        Assert.False(failed.Retryable);
        Assert.Contains("Alpine Linux v3.20", failed.Message, StringComparison.Ordinal);
        Assert.Contains("ubuntu 22.04/24.04", failed.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(inputs.StackHome));
    }

    [SshFact]
    public async Task ExecuteAsync_NeverRevealsKeyOrPasswords_InLogErrorsProgressStateOrAudit()
    {
        var adminPassword = "Adm1n-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
        var ok = ssh.Inputs();
        ok.AdminPassword = new Secret(adminPassword);
        ok.HostKeyFingerprint = null; // trust on first use: the fingerprint goes to the audit, nothing secret does
        var failing = ssh.Inputs("STANDIN_FAIL=1"); // generated password
        var badPin = ssh.Inputs();
        badPin.HostKeyFingerprint = "SHA256:" + new string('A', 43);
        using var services = SshServerFixture.Services(new FakeCloudCatalog());
        var leaks = new List<string>();

        var okContext = new TestStepContext(services, ok);
        var (okResult, okPolls) = await ActionDriver.RunAsync(services.GetRequiredService<DevStackInstallAction>(), okContext);
        var failContext = new TestStepContext(services, failing);
        var (failResult, failPolls) = await ActionDriver.RunAsync(services.GetRequiredService<DevStackInstallAction>(), failContext);
        var pinContext = new TestStepContext(services, badPin);
        var pinResult = await services.GetRequiredService<DevStackInstallAction>().ExecuteAsync(pinContext);

        var outputs = Results.Completed<DevStackInstallOutputs>(okResult);
        Assert.Equal(adminPassword, outputs.AdminPassword!.Reveal());
        Assert.Contains("The password: ***", okContext.Recorder.Text, StringComparison.Ordinal);
        Assert.Contains("ADMIN_PASSWORD=***", okContext.Recorder.Text, StringComparison.Ordinal);
        Assert.Contains("--bootstrap-password ***", failContext.Recorder.Text, StringComparison.Ordinal);
        Assert.Contains(okContext.Recorder.Events, e => e.Kind == "ssh.hostkey.trusted" && e.Message.Contains(ssh.HostKeyFingerprint, StringComparison.Ordinal));
        var generated = File.ReadAllLines(Path.Combine(failing.DevstackFolder, "local.conf")).Single(l => l.StartsWith("ADMIN_PASSWORD=", StringComparison.Ordinal))["ADMIN_PASSWORD=".Length..];
        var secrets = new[] { adminPassword, generated, ssh.Password }
            .Concat(ssh.PrivateKey.Split('\n', StringSplitOptions.TrimEntries).Where(l => l.Length > 20 && !l.StartsWith("-----", StringComparison.Ordinal)))
            .ToList();
        var texts = new List<(string Where, string Text)>
        {
            ("log", okContext.Recorder.Text),
            ("log", failContext.Recorder.Text),
            ("log", pinContext.Recorder.Text),
            ("audit", okContext.Recorder.AuditText),
            ("audit", failContext.Recorder.AuditText),
            ("audit", pinContext.Recorder.AuditText),
            ("error", ((FailedResult)failResult).Message),
            ("error", ((FailedResult)pinResult).Message),
            ("outputs", JsonSerializer.Serialize(outputs, JsonDefaults.Options)),
            ("ledger", JsonSerializer.Serialize(okContext.Recorder.Recorded, JsonDefaults.Options)),
        };
        texts.AddRange(okPolls.Concat(failPolls).Select(p => ("progress", p.Result.Progress ?? string.Empty)));
        texts.AddRange(okPolls.Concat(failPolls).Select(p => ("state", JsonSerializer.Serialize(p.Result.State, JsonDefaults.Options))));
        foreach (var (where, text) in texts)
        {
            leaks.AddRange(secrets.Where(s => text.Contains(s, StringComparison.Ordinal)).Select(_ => where));
        }

        Assert.Empty(leaks);
    }
}
