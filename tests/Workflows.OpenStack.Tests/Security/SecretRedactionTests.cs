using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Secrets;
using Workflows.OpenStack.Actions;
using Workflows.OpenStack.Configuration;
using Workflows.OpenStack.Identity;
using Workflows.OpenStack.Sandbox;
using Workflows.OpenStack.Tests.Testing;
using Workflows.Testing;

namespace Workflows.OpenStack.Tests.Security;

/// <summary>Passwords and tokens never reach audit entries, log lines, progress, outputs or exception messages.</summary>
[Collection(SandboxCollection.Name)]
public sealed class SecretRedactionTests(SandboxFixture fixture)
{
    [Fact]
    public async Task AuditLogsAndErrors_NeverContainPasswordOrToken_OverABootWithFailuresAndRetries()
    {
        var recorder = new RunRecorder();
        var faults = fixture.Sandbox.Options.Faults;
        faults.Add(new FaultRule(Service: "network", Method: "GET", StatusCode: 503, Count: 1));
        var texts = new List<string>();
        try
        {
            var server = await ActionDriver.RunAsync<NovaServerCreateAction>(fixture.Context(new { cloud = "sandbox", name = "redact-" + Guid.NewGuid().ToString("N")[..6], networks = new[] { "private" } }, "server", recorder: recorder));
            var serverId = server.Outputs.GetProperty("id").GetString();
            texts.Add(server.Outputs.ToString());
            var ip = await ActionDriver.RunAsync<FloatingIpAttachAction>(fixture.Context(new { cloud = "sandbox", serverId }, "ip", recorder: recorder));
            texts.Add(ip.Outputs.ToString());
            var failed = await ActionDriver.RunAsync<NovaServerCreateAction>(fixture.Context(new { cloud = "sandbox", name = "x", image = "no-such-image" }, "bad", recorder: recorder));
            texts.Add(failed.Failure.Message);
        }
        finally
        {
            faults.Clear();
        }

        fixture.Services.GetRequiredService<IOpenStackClouds>().Add(CloudDefinition.FromRegistration(fixture.Sandbox.Cloud) with { Name = "bad-pw", Password = new Secret("wrong-" + SandboxFixture.Password) });
        var authError = await Assert.ThrowsAsync<OpenStackAuthenticationException>(() => fixture.Services.GetRequiredService<TokenProvider>().GetAsync("bad-pw"));
        texts.Add(authError.ToString());
        texts.Add(fixture.Services.GetRequiredService<IOpenStackClouds>().Get("sandbox").ToString());

        var token = (await fixture.Services.GetRequiredService<TokenProvider>().GetAsync("sandbox")).Value.Reveal();
        texts.AddRange(recorder.Lines);
        texts.AddRange(recorder.Calls.Select(c => c.ToString()));
        texts.AddRange(recorder.ResourceEntries.Select(r => r.ToString() + string.Join(',', r.Properties)));
        texts.AddRange(fixture.Logs.Lines);

        Assert.Contains(recorder.Calls, c => c.Status == 503);
        Assert.NotEmpty(fixture.Logs.Lines);
        foreach (var text in texts)
        {
            Assert.DoesNotContain(SandboxFixture.Password, text, StringComparison.Ordinal);
            Assert.DoesNotContain(token, text, StringComparison.Ordinal);
            Assert.DoesNotContain("gAAAAA", text, StringComparison.Ordinal);
        }
    }
}
