using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Resources;
using Workflows.OpenStack.Actions;
using Workflows.OpenStack.Tests.Testing;
using Workflows.Testing;

namespace Workflows.OpenStack.Tests.Actions;

/// <summary>
/// The Resources page's Delete and check of a cluster template (<c>magnum.clustertemplate</c>, recorded by
/// <c>magnum.cluster.create</c>) against the sandbox over HTTP: the delete waits while a cluster uses the template.
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class MagnumClusterTemplateDeleteTests(SandboxFixture fixture)
{
    [Fact]
    public async Task TemplateDelete_WaitsWhileAClusterUsesIt_ThenDeletes_MarksTheRowDeleted_AndTheProbeSaysGone()
    {
        var runId = Guid.NewGuid();
        var recorder = new RunRecorder();
        var name = $"tplc-{Guid.NewGuid():N}"[..16];
        var create = await ActionDriver.RunAsync<MagnumClusterCreateAction>(fixture.Context(
            new { cloud = "sandbox", name, template = $"tpl-{Guid.NewGuid():N}"[..12], coe = "swarm-mode", masterCount = 1, nodeCount = 1 }, "cluster", runId, recorder: recorder));
        var clusterId = create.Outputs.GetProperty("id").GetString()!;
        var template = Assert.Single(recorder.ResourceEntries, r => r.Kind == ResourceKinds.ClusterTemplate);
        var probe = fixture.Services.GetServices<IResourceProbe>().Single(p => p.Kinds.Contains(ResourceKinds.ClusterTemplate));
        Assert.Equal(ResourcePresence.Present, await probe.ProbeAsync(template));
        var deleter = fixture.Services.GetServices<ResourceDeleter>().Single(d => d.Kind == ResourceKinds.ClusterTemplate);
        Assert.Equal("magnum.clustertemplate.delete", deleter.Action);

        var waitedFor = new List<string>();
        var delete = await ActionDriver.RunAsync(
            fixture.Services.GetRequiredService<MagnumClusterTemplateDeleteAction>(),
            fixture.Context(deleter.Inputs(template).ToDictionary(), "delete", runId, recorder: recorder),
            onPending: async (poll, n) =>
            {
                waitedFor.Add(poll.Result.Progress ?? string.Empty);
                if (n == 1)
                {
                    // The clean-up of the cluster (another step of the same run) goes on meanwhile.
                    await fixture.Connect().ContainerInfra.DeleteClusterAsync(clusterId);
                }
            });

        Assert.IsType<CompletedResult>(delete.Result);
        Assert.True(delete.Outputs.GetProperty("deleted").GetBoolean());
        Assert.Contains(waitedFor, p => p.Contains($"is in use by {name}", StringComparison.Ordinal));
        Assert.Null(await fixture.Connect().ContainerInfra.TryGetClusterTemplateAsync(template.ExternalId));
        Assert.NotNull(Assert.Single(recorder.ResourceEntries, r => r.Kind == ResourceKinds.ClusterTemplate).DeletedAt);
        Assert.Equal(ResourcePresence.Gone, await probe.ProbeAsync(template));

        // Again (an at-least-once repeat): already gone, a success.
        var again = await ActionDriver.RunAsync<MagnumClusterTemplateDeleteAction>(fixture.Context(deleter.Inputs(template).ToDictionary(), "delete", runId, recorder: recorder));
        Assert.False(again.Outputs.GetProperty("deleted").GetBoolean());
    }

    [Fact]
    public async Task TemplateProbe_Throws_RatherThanSayingGone_WhenTheCloudIsUnknown()
    {
        var probe = fixture.Services.GetServices<IResourceProbe>().Single(p => p.Kinds.Contains(ResourceKinds.ClusterTemplate));
        var row = new ResourceEntry(Guid.NewGuid(), "s", ResourceKinds.ClusterTemplate, Guid.NewGuid().ToString(), "t", "no-such-cloud", new Dictionary<string, string>(), DateTimeOffset.UnixEpoch, null);

        await Assert.ThrowsAnyAsync<Exception>(() => probe.ProbeAsync(row));
    }
}
