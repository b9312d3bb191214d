using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Actions;
using Workflows.DevStack.Install;
using Workflows.DevStack.Ssh;
using Workflows.DevStack.Tests.Testing;
using Workflows.Testing;

namespace Workflows.DevStack.Tests.Ssh;

/// <summary>Client spans of remote commands against the test sshd: one per command, under the step's span, no secrets.</summary>
[Collection(SshCollection.Name)]
public sealed class SshTelemetryTests : IDisposable
{
    // A constant, not Step.Name: a listener's ShouldListenTo also runs while Step itself is being created.
    private const string StepSource = "Workflows.DevStack.Tests.Step";

    private static readonly ActivitySource Step = new(StepSource);

    private readonly SshServerFixture ssh;
    private readonly ConcurrentBag<Activity> spans = [];
    private readonly ActivityListener listener;

    public SshTelemetryTests(SshServerFixture ssh)
    {
        this.ssh = ssh;
        listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == SshTelemetry.ActivitySourceName || s.Name == StepSource,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
    }

    [SshFact]
    public async Task EveryRemoteCommand_IsAClientSpan_UnderTheStepSpan_WithItsLabelAndHost_AndNoSecret()
    {
        const string adminPassword = "Planted-Admin-Secret-4e1d";
        var inputs = ssh.Inputs();
        inputs.AdminPassword = new Workflows.Abstractions.Secrets.Secret(adminPassword);
        using var services = SshServerFixture.Services(new FakeCloudCatalog());
        var context = new TestStepContext(services, inputs);
        string trace;
        ActivitySpanId stepSpan;
        using (var step = Step.StartActivity("attempt install")!)
        {
            trace = step.TraceId.ToHexString();
            stepSpan = step.SpanId;
            var (result, _) = await ActionDriver.RunAsync(services.GetRequiredService<DevStackInstallAction>(), context);
            Results.Completed<DevStackInstallOutputs>(result);
        }

        var commands = spans.Where(s => s.Source.Name == SshTelemetry.ActivitySourceName && s.TraceId.ToHexString() == trace).ToList();
        Assert.True(commands.Count >= 2, $"expected a span per remote command, got {commands.Count}");
        Assert.All(commands, c =>
        {
            Assert.Equal(ActivityKind.Client, c.Kind);
            Assert.Equal(stepSpan, c.ParentSpanId);
            Assert.Equal("ssh", c.GetTagItem("rpc.system"));
            Assert.Equal(ssh.Host, c.GetTagItem("server.address"));
            Assert.Equal(ssh.Port, c.GetTagItem("server.port"));
            Assert.StartsWith("ssh ", c.DisplayName, StringComparison.Ordinal);
            Assert.Equal(c.DisplayName, "ssh " + c.GetTagItem("ssh.command"));
        });

        // Neither the planted password nor the private key is in any span's name or attributes.
        var text = string.Join("\n", commands.SelectMany(c => c.TagObjects.Select(t => $"{t.Key}={t.Value}").Append(c.DisplayName)));
        Assert.DoesNotContain(adminPassword, text, StringComparison.Ordinal);
        Assert.DoesNotContain(ssh.PrivateKey.Trim().Split('\n')[1], text, StringComparison.Ordinal);
    }

    public void Dispose() => listener.Dispose();
}
