using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Resources;
using Workflows.DevStack.Install;
using Workflows.DevStack.Resources;
using Workflows.DevStack.Tests.Testing;
using Workflows.DevStack.Unstack;
using Workflows.Testing;

namespace Workflows.DevStack.Tests.Resources;

/// <summary>
/// The Resources page's Delete and "Check against the cloud" for a <c>devstack.install</c> row, against the test sshd and
/// the stand-in devstack: the probe finds the install, the delete registered for the kind (<c>devstack.unstack</c> with
/// clean and removeCheckout, the server's key: the row holds no credentials) runs unstack.sh and clean.sh, removes the
/// checkout and marks the row deleted, and the probe then finds it gone.
/// </summary>
[Collection(SshCollection.Name)]
public sealed class DevStackResourceCleanupTests(SshServerFixture ssh)
{
    private static readonly string KeyFile = Environment.GetEnvironmentVariable("WORKFLOWS_TEST_SSH_KEY") ?? string.Empty;

    [SshFact]
    public async Task AnInstall_IsPresent_ThenItsDeleteUnstacksCleansAndRemovesTheCheckout_AndItIsGone()
    {
        using var services = SshServerFixture.Services(new FakeCloudCatalog(), o => o.PrivateKeyFile = KeyFile);
        var inputs = ssh.Inputs();
        var install = new TestStepContext(services, inputs);
        Results.Completed<DevStackInstallOutputs>((await ActionDriver.RunAsync(services.GetRequiredService<DevStackInstallAction>(), install)).Result);
        var row = Assert.Single(install.Recorder.ResourceEntries, e => e.Kind == "devstack.install");
        var deleter = services.GetServices<ResourceDeleter>().Single(d => d.Kind == "devstack.install");
        var probe = services.GetServices<IResourceProbe>().Single(p => p.Kinds.Contains("devstack.install"));
        Assert.Equal(ResourcePresence.Present, await probe.ProbeAsync(row));

        var with = deleter.Inputs(row);
        var delete = new TestStepContext(services, with.ToDictionary(), "delete", install.RunId, recorder: install.Recorder);
        var descriptor = services.GetServices<ActionDescriptor>().Single(d => d.Name == deleter.Action);
        var result = (await ActionDriver.RunAsync(descriptor.ActionType, delete)).Result;

        Assert.Equal("devstack.unstack", deleter.Action);
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["host"] = ssh.Host, ["port"] = ssh.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), ["user"] = inputs.User,
                ["hostKeyFingerprint"] = ssh.HostKeyFingerprint, ["stackUser"] = inputs.StackUser, ["stackHome"] = inputs.StackHome,
                ["devstackDir"] = inputs.DevstackFolder, ["clean"] = "true", ["removeCheckout"] = "true",
            },
            with);
        Assert.DoesNotContain(with.Values, v => v.Contains("PRIVATE KEY", StringComparison.Ordinal));
        var outputs = Results.Completed<DevStackUnstackOutputs>(result);
        Assert.True(outputs.Unstacked);
        Assert.True(outputs.Cleaned);
        Assert.True(outputs.CheckoutRemoved);
        Assert.Contains("unstack.sh done", delete.Recorder.Text, StringComparison.Ordinal);
        Assert.Contains("Cleaning up (stand-in)", delete.Recorder.Text, StringComparison.Ordinal);
        Assert.False(Directory.Exists(inputs.DevstackFolder));
        Assert.NotNull(Assert.Single(install.Recorder.ResourceEntries, e => e.Kind == "devstack.install").DeletedAt);
        Assert.Equal(ResourcePresence.Gone, await probe.ProbeAsync(row));

        // Deleting again (an at-least-once repeat) finds nothing to undo and succeeds.
        var again = new TestStepContext(services, with.ToDictionary(), "delete", install.RunId, recorder: install.Recorder);
        Assert.False(Results.Completed<DevStackUnstackOutputs>((await ActionDriver.RunAsync(descriptor.ActionType, again)).Result).Unstacked);
    }

    [SshFact]
    public async Task Probe_Throws_RatherThanSayingGone_WhenTheHostCannotBeReached_OrTheHostKeyChanged()
    {
        using var services = SshServerFixture.Services(configure: o => o.PrivateKeyFile = KeyFile);
        var probe = services.GetServices<IResourceProbe>().Single(p => p.Kinds.Contains("devstack.install"));
        var row = Row(new Dictionary<string, string> { ["port"] = "1", ["user"] = ssh.User, ["stackUser"] = ssh.StackUser });

        await Assert.ThrowsAnyAsync<Exception>(() => probe.ProbeAsync(row));
        var forged = Row(new Dictionary<string, string> { ["port"] = ssh.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), ["user"] = ssh.User, ["hostKeyFingerprint"] = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" });
        await Assert.ThrowsAnyAsync<Exception>(() => probe.ProbeAsync(forged));
    }

    [SshFact]
    public async Task Probe_SaysGone_WhenTheFolderHoldsNoDevstack()
    {
        using var services = SshServerFixture.Services(configure: o => o.PrivateKeyFile = KeyFile);
        var probe = services.GetServices<IResourceProbe>().Single(p => p.Kinds.Contains("devstack.install"));
        var row = Row(new Dictionary<string, string>
        {
            ["port"] = ssh.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), ["user"] = ssh.User, ["hostKeyFingerprint"] = ssh.HostKeyFingerprint, ["stackUser"] = ssh.StackUser,
        });

        Assert.Equal(ResourcePresence.Gone, await probe.ProbeAsync(row));
    }

    [Fact]
    public void Inputs_OfARowOfAnEarlierVersion_TakeTheInstallsDefaults_FromItsIdAndProperties()
    {
        var row = new ResourceEntry(Guid.NewGuid(), "devstack", "devstack.install", "10.0.0.5:/srv/stack/devstack", "devstack", "10.0.0.5", new Dictionary<string, string> { ["stackUser"] = "stacker" }, DateTimeOffset.UnixEpoch, null);

        var inputs = DevStackInstallDeleter.Inputs(row);

        Assert.Equal("10.0.0.5", inputs["host"]);
        Assert.Equal("22", inputs["port"]);
        Assert.Equal("ubuntu", inputs["user"]);
        Assert.Equal("stacker", inputs["stackUser"]);
        Assert.Equal("/srv/stack", inputs["stackHome"]);
        Assert.Equal("/srv/stack/devstack", inputs["devstackDir"]);
        Assert.False(inputs.ContainsKey("hostKeyFingerprint"));
    }

    [Fact]
    public void Inputs_ReadTheFolderAfterAnIpv6HostsColons()
    {
        var row = new ResourceEntry(Guid.NewGuid(), "devstack", "devstack.install", "fd00::5:/opt/stack/devstack", "devstack", "fd00::5", new Dictionary<string, string>(), DateTimeOffset.UnixEpoch, null);

        Assert.Equal("/opt/stack/devstack", DevStackInstallDeleter.Inputs(row)["devstackDir"]);
    }

    private ResourceEntry Row(Dictionary<string, string> properties) =>
        new(Guid.NewGuid(), "devstack", "devstack.install", $"{ssh.Host}:{ssh.WorkDir}/nothing-{Guid.NewGuid():N}/devstack", "devstack", ssh.Host, properties, DateTimeOffset.UnixEpoch, null);
}
