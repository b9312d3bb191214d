using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Actions;
using Workflows.OpenStack.Acceptance.Tests.Testing;
using Workflows.OpenStack.Actions;
using Workflows.Testing;

namespace Workflows.OpenStack.Acceptance.Tests.Magnum;

/// <summary>
/// The plan of workflows/deploy-magnum-cluster.yaml's steps against the real cloud, then the steps themselves: what the
/// plan said it would create is what the ledger shows, its checks held, and nothing it could know was "unknown" (issue 14).
/// </summary>
[Trait("Service", "magnum")]
[Collection(KeystoneWritersCollection.Name)] // Magnum and Heat create trusts and trustee users: Keystone writes.
public sealed class DeployMagnumClusterPlanTests(AcceptanceFixture fixture, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<AcceptanceFixture>
{
    [AcceptanceFact]
    public async Task PlanOfDeployMagnumCluster_SaysWhatTheRunThenCreates()
    {
        var raw = fixture.Raw;
        var s = fixture.Settings;
        var name = AcceptanceFixture.NewName("plan-k8s");
        var template = name + "-template";
        var runId = Guid.NewGuid();
        var recorder = new RunRecorder();
        var started = DateTimeOffset.UtcNow;
        string? clusterId = null;
        try
        {
            // The step's inputs as the workflow evaluates them (the peer has no Cinder: no docker volume).
            var inputs = new JsonObject
            {
                ["cloud"] = fixture.CloudName, ["name"] = name, ["template"] = template, ["coe"] = "kubernetes", ["image"] = s.MagnumImage,
                ["externalNetwork"] = s.ExternalNetwork, ["flavor"] = s.MagnumFlavor, ["masterFlavor"] = s.MagnumFlavor,
                ["dockerVolumeSize"] = null, ["masterCount"] = 1, ["nodeCount"] = 1, ["createTimeout"] = 15,
            };
            var clusterPlanContext = new TestPlanContext(inputs.DeepClone(), stepId: "cluster");
            var clusterPlan = await ((IPlannableAction)fixture.Services.GetRequiredService<MagnumClusterCreateAction>()).PlanAsync(clusterPlanContext);
            var credentialsPlan = await ((IPlannableAction)fixture.Services.GetRequiredService<MagnumClusterCredentialsAction>()).PlanAsync(
                new TestPlanContext(new { cloud = fixture.CloudName }, new Dictionary<string, string> { ["cluster"] = "known after `cluster`" }, "credentials"));
            foreach (var c in clusterPlan.Checks.Concat(credentialsPlan.Checks))
            {
                output.WriteLine($"[{c.Outcome}] {c.Name}: {c.Detail}");
            }

            // The plan: no problem, every check of the cluster step made now (its inputs are all known), and only the
            // cluster id the credentials need is known later.
            Assert.True(!clusterPlan.HasErrors, string.Join("; ", clusterPlan.Problems.Select(p => $"{p.Field}: {p.Message}")));
            Assert.Equal(PlanAction.Create, clusterPlan.Action);
            Assert.All(clusterPlan.Checks, c => Assert.Equal(PlanCheckOutcome.Passed, c.Outcome));
            Assert.DoesNotContain(clusterPlan.Resources, r => r.Action == PlanAction.Unknown || r.Name.Contains("known after", StringComparison.Ordinal));
            Assert.All(clusterPlanContext.Recorder.Calls, c => Assert.Equal("GET", c.Method));
            Assert.All(credentialsPlan.Checks.Where(c => c.Outcome != PlanCheckOutcome.Passed), c => Assert.Contains("known after `cluster`", c.Detail, StringComparison.Ordinal));
            var planned = clusterPlan.Resources.Where(r => r.Action == PlanAction.Create).Select(r => (r.Kind, r.Name)).Order().ToList();
            Assert.Equal([(ResourceKinds.Cluster, name), (ResourceKinds.ClusterTemplate, template)], planned);

            // The run of the same steps.
            var created = await ActionDriver.RunAsync<MagnumClusterCreateAction>(fixture.Context(inputs, "cluster", runId, recorder: recorder), maxCalls: 600);
            clusterId = created.Outputs.GetProperty("id").GetString();
            Assert.Equal("CREATE_COMPLETE", created.Outputs.GetProperty("status").GetString());
            var credentials = await ActionDriver.RunAsync<MagnumClusterCredentialsAction>(fixture.Context(new { cloud = fixture.CloudName, cluster = clusterId }, "credentials", runId, recorder: recorder));
            Assert.IsType<CompletedResult>(credentials.Result);

            // What the plan said it would create is what the ledger shows, kind and name.
            Assert.Equal(planned, recorder.ResourceEntries.Select(r => (r.Kind, r.Name ?? "")).Order().ToList());

            // Its checks still hold as the cloud reports it now: the name is taken by exactly the cluster planned.
            var shown = (await raw.GetAsync("container-infra", $"clusters/{clusterId}")).Expect(200).Body!;
            Assert.Equal(name, (string?)shown["name"]);
            Assert.Equal("kubernetes", (string?)(await raw.GetAsync("container-infra", $"clustertemplates/{template}")).Expect(200).Body!["coe"]);
            output.WriteLine($"planned, created and credentialed in {DateTimeOffset.UtcNow - started:mm\\:ss}");
        }
        finally
        {
            if (clusterId is not null)
            {
                await raw.DeleteAsync("container-infra", $"clusters/{clusterId}");
                await raw.WaitAsync("container-infra", $"clusters/{clusterId}", r => r.Status == 404, TimeSpan.FromMinutes(5));
            }

            await raw.DeleteAsync("container-infra", $"clustertemplates/{template}");
        }
    }
}
