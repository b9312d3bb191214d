using System.Text.Json.Nodes;
using Workflows.Kubernetes.Rollout;

namespace Workflows.Kubernetes.Tests.Rollout;

public class PodDiagnosticsTests
{
    [Fact]
    public void Selector_WritesMatchLabelsAndExpressions_AsTheQueryForm()
    {
        var selector = JsonNode.Parse("""{"matchLabels":{"app":"myapp"},"matchExpressions":[{"key":"tier","operator":"In","values":["web","api"]},{"key":"canary","operator":"DoesNotExist"}]}""")!.AsObject();

        Assert.Equal("app=myapp,tier in (web,api),!canary", PodDiagnostics.Selector(selector));
    }

    [Fact]
    public void Reasons_GroupsPodsByContainerReason_AndNamesUnschedulablePods()
    {
        var pods = JsonNode.Parse("""
            [
              {"metadata":{"name":"myapp-2"},"status":{"containerStatuses":[{"name":"myapp","state":{"waiting":{"reason":"CrashLoopBackOff","message":"back-off 10s restarting failed container"}},"lastState":{"terminated":{"exitCode":1,"reason":"Error"}}}]}},
              {"metadata":{"name":"myapp-1"},"status":{"containerStatuses":[{"name":"myapp","state":{"waiting":{"reason":"CrashLoopBackOff","message":"back-off 10s restarting failed container"}},"lastState":{"terminated":{"exitCode":1,"reason":"Error"}}}]}},
              {"metadata":{"name":"myapp-3"},"status":{"conditions":[{"type":"PodScheduled","status":"False","reason":"Unschedulable","message":"0/1 nodes are available: 1 Insufficient cpu."}]}},
              {"metadata":{"name":"myapp-4"},"status":{"containerStatuses":[{"name":"myapp","state":{"waiting":{"reason":"ContainerCreating"}}}]}}
            ]
            """)!.AsArray().OfType<JsonObject>();

        var reasons = PodDiagnostics.Reasons(pods);

        Assert.Equal(
            [
                "CrashLoopBackOff (container myapp, pods myapp-1, myapp-2): back-off 10s restarting failed container; last exit 1 (Error)",
                "Unschedulable (pods myapp-3): 0/1 nodes are available: 1 Insufficient cpu.",
            ],
            reasons);
    }
}
