using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Resources;
using Workflows.Abstractions.Secrets;
using Workflows.Kubernetes.Access;
using Workflows.Kubernetes.Actions;
using Workflows.Kubernetes.Tests.Testing;
using Workflows.Testing;

namespace Workflows.Kubernetes.Tests.Resources;

/// <summary>
/// The Resources page's "Check against the cloud" and "Delete" for the objects <c>kubernetes.apply</c> records, on the sandbox
/// API server: the ledger row says how the cluster was reached (kubeconfig file and context, never credentials), the probe
/// GETs the object (404 = gone), and <c>kubernetes.object.delete</c> with the inputs registered for <c>kubernetes.*</c> (what
/// the generated resource-cleanup step runs) deletes it, waits until it is gone and marks the row deleted.
/// </summary>
public sealed class KubernetesResourceCleanupTests(KubernetesSandbox sandbox) : IClassFixture<KubernetesSandbox>
{
    private ResourceDeleter Deleter => sandbox.Services.GetServices<ResourceDeleter>().Single(d => ResourceKindPattern.Matches(d.Kind, "kubernetes.deployment"));

    private IResourceProbe Probe => sandbox.Services.GetServices<IResourceProbe>().Single(p => p.Kinds.Any(k => ResourceKindPattern.Matches(k, "kubernetes.deployment")));

    [Fact]
    public async Task AppliedObjects_ArePresent_ThenEachIsDeletedByTheDeleteActionOfItsKind_AndIsGone()
    {
        var ns = KubernetesSandbox.UniqueNamespace();
        var apply = await ApplyAsync(ns, new JsonObject { ["kubeconfigPath"] = sandbox.KubeconfigPath });
        var deployment = Entry(apply, "kubernetes.deployment.apps", $"{ns}/myapp");
        var service = Entry(apply, "kubernetes.service", $"{ns}/myapp");
        Assert.Equal(sandbox.KubeconfigPath, deployment.Properties["kubeconfigPath"]);
        Assert.Equal("sandbox", deployment.Properties["context"]);
        Assert.Equal([ResourcePresence.Present, ResourcePresence.Present], [await Probe.ProbeAsync(deployment), await Probe.ProbeAsync(service)]);

        var inputs = Deleter.Inputs(deployment);
        var deleted = await DeleteAsync(apply, deployment);

        Assert.Equal(
            new Dictionary<string, string>
            {
                ["cluster"] = sandbox.Api.Host.Address, ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["name"] = "myapp", ["namespace"] = ns,
                ["kubeconfigPath"] = sandbox.KubeconfigPath, ["context"] = "sandbox", ["propagationPolicy"] = "Background", ["ledgerKind"] = "kubernetes.deployment.apps",
            },
            inputs);
        Assert.Equal([$"deployment/myapp -n {ns}"], ActionDriver.Outputs<DeleteOutputs>(deleted).Deleted);
        Assert.Null(await sandbox.GetAsync("apps/v1", "Deployment", ns, "myapp"));
        Assert.NotNull(Entry(apply, "kubernetes.deployment.apps", $"{ns}/myapp").DeletedAt);
        Assert.Equal(ResourcePresence.Gone, await Probe.ProbeAsync(deployment));

        // The other objects are untouched: the Service is still there, and its row still live.
        Assert.NotNull(await sandbox.GetAsync("v1", "Service", ns, "myapp"));
        Assert.Null(Entry(apply, "kubernetes.service", $"{ns}/myapp").DeletedAt);
        Assert.Contains(apply.Recorder.Calls, c => c.Method == "DELETE" && c.Endpoint == $"/apis/apps/v1/namespaces/{ns}/deployments/myapp");

        // Deleting again (an at-least-once repeat) finds it absent and succeeds.
        Assert.Equal([$"deployment/myapp -n {ns}"], ActionDriver.Outputs<DeleteOutputs>(await DeleteAsync(apply, deployment)).Absent);

        // A cluster-scoped object (the namespace the step created) goes the same way.
        var nsEntry = Entry(apply, "kubernetes.namespace", ns);
        Assert.False(Deleter.Inputs(nsEntry).ContainsKey("namespace"));
        await DeleteAsync(apply, nsEntry);
        Assert.Equal(ResourcePresence.Gone, await Probe.ProbeAsync(nsEntry));
    }

    [Fact]
    public async Task ARowRecordedBeforeLedgerKindsCarriedTheApiGroup_IsStillProbed_Deleted_AndMarked()
    {
        var ns = KubernetesSandbox.UniqueNamespace();
        var apply = await ApplyAsync(ns, new JsonObject { ["kubeconfigPath"] = sandbox.KubeconfigPath });
        var current = Entry(apply, "kubernetes.deployment.apps", $"{ns}/myapp");

        // What an older version recorded for the same Deployment: the kind without its group.
        await apply.Recorder.RecordAsync(new ResourceRecord("kubernetes.deployment", current.ExternalId, current.Name, current.Provider, current.Properties));
        var legacy = Entry(apply, "kubernetes.deployment", $"{ns}/myapp");
        Assert.Equal(ResourcePresence.Present, await Probe.ProbeAsync(legacy));
        Assert.Equal("kubernetes.deployment", Deleter.Inputs(legacy)["ledgerKind"]);

        await DeleteAsync(apply, legacy);

        Assert.Null(await sandbox.GetAsync("apps/v1", "Deployment", ns, "myapp"));
        Assert.NotNull(Entry(apply, "kubernetes.deployment", $"{ns}/myapp").DeletedAt);
        Assert.NotNull(Entry(apply, "kubernetes.deployment.apps", $"{ns}/myapp").DeletedAt);
        Assert.Equal(ResourcePresence.Gone, await Probe.ProbeAsync(legacy));
        Assert.Null(Entry(apply, "kubernetes.service", $"{ns}/myapp").DeletedAt);
    }

    [Fact]
    public async Task Delete_IsRefused_AndTouchesNothing_WhenTheLedgerKindIsNotTheObjects()
    {
        var ns = KubernetesSandbox.UniqueNamespace();
        var apply = await ApplyAsync(ns, new JsonObject { ["kubeconfigPath"] = sandbox.KubeconfigPath });
        var inputs = Deleter.Inputs(Entry(apply, "kubernetes.deployment.apps", $"{ns}/myapp")).ToDictionary();
        inputs["ledgerKind"] = "kubernetes.service";

        var result = (await ActionDriver.RunAsync<ObjectDeleteAction>(new TestStepContext(sandbox.Services, inputs, "delete", apply.RunId, recorder: apply.Recorder))).Result;

        var failed = Assert.IsType<FailedResult>(result);
        Assert.Equal("inputs.invalid", failed.ErrorCode);
        Assert.StartsWith("ledgerKind: 'kubernetes.service' is not the ledger kind of deployment/myapp", failed.Message, StringComparison.Ordinal);
        Assert.NotNull(await sandbox.GetAsync("apps/v1", "Deployment", ns, "myapp"));
        Assert.Null(Entry(apply, "kubernetes.service", $"{ns}/myapp").DeletedAt);
    }

    [Fact]
    public async Task AnObjectAppliedWithAnInlineKubeconfig_IsReachedThroughAContextOfTheServersKubeconfigForTheSameCluster()
    {
        var ns = KubernetesSandbox.UniqueNamespace();
        var apply = await ApplyAsync(ns, new JsonObject { ["kubeconfig"] = sandbox.KubeconfigText });
        var deployment = Entry(apply, "kubernetes.deployment.apps", $"{ns}/myapp");
        Assert.Equal("inline", deployment.Properties["kubeconfig"]);
        Assert.DoesNotContain(deployment.Properties.Values, v => sandbox.SecretMaterial().Any(m => v.Contains(m, StringComparison.Ordinal)));
        Assert.False(Deleter.Inputs(deployment).ContainsKey("context"));

        // The server's kubeconfig (KUBECONFIG here) names the cluster under another context, which is not its current one.
        var serverKubeconfig = Path.Combine(Path.GetTempPath(), $"wf-kubeconfig-{Guid.NewGuid():N}");
        var text = System.Text.RegularExpressions.Regex.Replace(sandbox.KubeconfigText, @"(?m)^current-context:.*$", "current-context: somewhere-else");
        await File.WriteAllTextAsync(serverKubeconfig, text.Replace("name: sandbox", "name: ops-cluster", StringComparison.Ordinal).Replace("cluster: sandbox", "cluster: ops-cluster", StringComparison.Ordinal).Replace("user: sandbox", "user: ops-cluster", StringComparison.Ordinal));
        Assert.Equal(["ops-cluster"], new KubeconfigLoader(v => v == "KUBECONFIG" ? serverKubeconfig : null, "/nonexistent").ContextsFor(new KubernetesAccessInputs(), sandbox.Api.Host.Address));
        try
        {
            using var services = Services(new KubeconfigLoader(v => v == "KUBECONFIG" ? serverKubeconfig : null, "/nonexistent"));
            var probe = services.GetServices<IResourceProbe>().Single(p => p.Kinds.Contains("kubernetes.*"));
            Assert.Equal(ResourcePresence.Present, await probe.ProbeAsync(deployment));

            var deleter = services.GetServices<ResourceDeleter>().Single(d => d.Kind == "kubernetes.*");
            var delete = new TestStepContext(services, deleter.Inputs(deployment).ToDictionary(), "delete", apply.RunId, recorder: apply.Recorder);
            Assert.IsType<CompletedResult>((await ActionDriver.RunAsync<ObjectDeleteAction>(delete)).Result);

            Assert.Null(await sandbox.GetAsync("apps/v1", "Deployment", ns, "myapp"));
            Assert.NotNull(Entry(apply, "kubernetes.deployment.apps", $"{ns}/myapp").DeletedAt);
            Assert.Equal(ResourcePresence.Gone, await probe.ProbeAsync(deployment));
        }
        finally
        {
            File.Delete(serverKubeconfig);
        }
    }

    [Fact]
    public async Task Delete_IsRefused_AndTouchesNothing_WhenNoContextReachesTheRecordedCluster()
    {
        var ns = KubernetesSandbox.UniqueNamespace();
        var apply = await ApplyAsync(ns, new JsonObject { ["kubeconfigPath"] = sandbox.KubeconfigPath });
        var elsewhere = Entry(apply, "kubernetes.deployment.apps", $"{ns}/myapp") with { Provider = "https://127.0.0.1:1" };

        var result = (await ActionDriver.RunAsync<ObjectDeleteAction>(new TestStepContext(sandbox.Services, Deleter.Inputs(elsewhere).ToDictionary(), "delete", apply.RunId, recorder: apply.Recorder))).Result;

        var failed = Assert.IsType<FailedResult>(result);
        Assert.Equal("kubernetes.kubeconfig", failed.ErrorCode);
        Assert.Contains("reaches https://127.0.0.1:1", failed.Message, StringComparison.Ordinal);
        Assert.NotNull(await sandbox.GetAsync("apps/v1", "Deployment", ns, "myapp"));
        Assert.Null(Entry(apply, "kubernetes.deployment.apps", $"{ns}/myapp").DeletedAt);
    }

    [Fact]
    public async Task Probe_Throws_RatherThanSayingGone_WhenTheApiServerIsUnreachable_OrNoContextReachesIt()
    {
        var ns = KubernetesSandbox.UniqueNamespace();
        var apply = await ApplyAsync(ns, new JsonObject { ["kubeconfigPath"] = sandbox.KubeconfigPath });
        var deployment = Entry(apply, "kubernetes.deployment.apps", $"{ns}/myapp");

        // A kubeconfig whose cluster is a closed port on loopback.
        var closed = Path.Combine(Path.GetTempPath(), $"wf-kubeconfig-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(closed, sandbox.KubeconfigText.Replace(sandbox.Api.Host.Address, "https://127.0.0.1:1", StringComparison.Ordinal));
        try
        {
            var unreachable = deployment with { Provider = "https://127.0.0.1:1", Properties = new Dictionary<string, string>(deployment.Properties) { ["kubeconfigPath"] = closed } };
            await Assert.ThrowsAnyAsync<Exception>(() => Probe.ProbeAsync(unreachable));
            await Assert.ThrowsAsync<StepFailedException>(() => Probe.ProbeAsync(deployment with { Provider = "https://127.0.0.1:2" }));
        }
        finally
        {
            File.Delete(closed);
        }

        Assert.NotNull(await sandbox.GetAsync("apps/v1", "Deployment", ns, "myapp"));
    }

    private async Task<TestStepContext> ApplyAsync(string ns, JsonObject access)
    {
        access["manifest"] = KubernetesSandbox.MyApp(replicas: 1);
        access["namespace"] = ns;
        access["createNamespace"] = true;
        var apply = new TestStepContext(sandbox.Services, access, "deploy");
        Assert.IsType<CompletedResult>((await ActionDriver.RunAsync<ApplyAction>(apply)).Result);
        return apply;
    }

    private async Task<StepResult> DeleteAsync(TestStepContext apply, ResourceEntry row)
    {
        var context = new TestStepContext(sandbox.Services, Deleter.Inputs(row).ToDictionary(), "delete", apply.RunId, recorder: apply.Recorder);
        var descriptor = sandbox.Services.GetServices<ActionDescriptor>().Single(d => d.Name == Deleter.Action);
        var result = (await ActionDriver.RunAsync(descriptor.ActionType, context)).Result;
        Assert.IsType<CompletedResult>(result);
        return result;
    }

    private static ResourceEntry Entry(TestStepContext apply, string kind, string externalId) =>
        Assert.Single(apply.Recorder.ResourceEntries, e => e.Kind == kind && e.ExternalId == externalId);

    private ServiceProvider Services(KubeconfigLoader loader) =>
        new ServiceCollection()
            .AddSingleton(loader)
            .AddSingleton<ISecretProtector>(sandbox.Protector)
            .AddKubernetesActions(o =>
            {
                o.PollInterval = TimeSpan.FromMilliseconds(50);
                o.MaxPollInterval = TimeSpan.FromMilliseconds(200);
            })
            .BuildServiceProvider();
}
