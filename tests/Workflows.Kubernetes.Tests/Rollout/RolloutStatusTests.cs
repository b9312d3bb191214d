using System.Text.Json.Nodes;
using Workflows.Kubernetes.Rollout;

namespace Workflows.Kubernetes.Tests.Rollout;

public class RolloutStatusTests
{
    private static JsonObject Deployment(long generation, long observed, long spec, long replicas, long updated, long available, string? progressingReason = null) =>
        JsonNode.Parse($$$"""
            {"kind":"Deployment","metadata":{"name":"myapp","generation":{{{generation}}}},"spec":{"replicas":{{{spec}}}},
             "status":{"observedGeneration":{{{observed}}},"replicas":{{{replicas}}},"updatedReplicas":{{{updated}}},"availableReplicas":{{{available}}},
               "conditions":[{"type":"Progressing","status":"{{{(progressingReason == "ProgressDeadlineExceeded" ? "False" : "True")}}}","reason":"{{{progressingReason ?? "ReplicaSetUpdated"}}}"}]}}
            """)!.AsObject();

    [Fact]
    public void Check_Waits_UntilTheSpecUpdateIsObserved()
    {
        var check = RolloutStatus.Check(Deployment(2, 1, 3, 3, 3, 3));

        Assert.Equal(RolloutPhase.Waiting, check.Phase);
        Assert.Equal("Waiting for deployment spec update to be observed...", check.Message);
    }

    [Fact]
    public void Check_Waits_UntilTheGenerationWeAppliedIsObserved_EvenIfTheLiveOneLags()
    {
        Assert.Equal(RolloutPhase.Waiting, RolloutStatus.Check(Deployment(1, 1, 3, 3, 3, 3), appliedGeneration: 2).Phase);
    }

    [Fact]
    public void Check_CountsUpdatedReplicas_LikeKubectl()
    {
        var check = RolloutStatus.Check(Deployment(2, 2, 3, 4, 2, 1));

        Assert.Equal("Waiting for deployment \"myapp\" rollout to finish: 2 out of 3 new replicas have been updated...", check.Message);
        Assert.Equal("2/3 updated, 1 available", check.Progress);
    }

    [Fact]
    public void Check_WaitsForOldReplicas_ToTerminate()
    {
        Assert.Equal("Waiting for deployment \"myapp\" rollout to finish: 1 old replicas are pending termination...", RolloutStatus.Check(Deployment(2, 2, 3, 4, 3, 3)).Message);
    }

    [Fact]
    public void Check_WaitsForUpdatedReplicas_ToBeAvailable()
    {
        Assert.Equal("Waiting for deployment \"myapp\" rollout to finish: 1 of 3 updated replicas are available...", RolloutStatus.Check(Deployment(2, 2, 3, 3, 3, 1)).Message);
    }

    [Fact]
    public void Check_IsDone_WhenAllFourRulesHold()
    {
        var check = RolloutStatus.Check(Deployment(2, 2, 3, 3, 3, 3));

        Assert.Equal(RolloutPhase.Done, check.Phase);
        Assert.Equal("deployment \"myapp\" successfully rolled out", check.Message);
    }

    [Fact]
    public void Check_Fails_OnProgressDeadlineExceeded()
    {
        var check = RolloutStatus.Check(Deployment(2, 2, 3, 3, 1, 0, "ProgressDeadlineExceeded"));

        Assert.Equal(RolloutPhase.Failed, check.Phase);
        Assert.Equal("deployment \"myapp\" exceeded its progress deadline", check.Message);
    }

    [Fact]
    public void Check_FollowsStatefulSetRules_ReadyThenRevision()
    {
        var sts = JsonNode.Parse("""
            {"kind":"StatefulSet","metadata":{"name":"db","generation":3},"spec":{"replicas":2},
             "status":{"observedGeneration":3,"readyReplicas":2,"updatedReplicas":1,"currentRevision":"db-1","updateRevision":"db-2"}}
            """)!.AsObject();

        Assert.Equal("waiting for statefulset rolling update to complete 1 pods at revision db-2...", RolloutStatus.Check(sts).Message);
        sts["status"]!["currentRevision"] = "db-2";
        Assert.Equal(RolloutPhase.Done, RolloutStatus.Check(sts).Phase);
    }

    [Fact]
    public void Check_OfAStatefulSetWithARollingUpdate_JudgesByThePartition_AsKubectlDoes()
    {
        // What the API server returns: rollingUpdate defaulted to partition 0.
        var sts = JsonNode.Parse("""
            {"kind":"StatefulSet","metadata":{"name":"db","generation":2},"spec":{"replicas":3,"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":0}}},
             "status":{"observedGeneration":2,"readyReplicas":3,"updatedReplicas":1,"currentRevision":"db-1","updateRevision":"db-2"}}
            """)!.AsObject();

        Assert.Equal("Waiting for partitioned roll out to finish: 1 out of 3 new pods have been updated...", RolloutStatus.Check(sts).Message);
        sts["status"]!["readyReplicas"] = 2;
        Assert.Equal("Waiting for 1 pods to be ready...", RolloutStatus.Check(sts).Message);
        sts["status"]!["readyReplicas"] = 3;
        sts["status"]!["updatedReplicas"] = 3;
        Assert.Equal(new RolloutCheck(RolloutPhase.Done, "partitioned roll out complete: 3 new pods have been updated...", "3/3 updated, 3 ready"), RolloutStatus.Check(sts));
        sts["spec"]!["updateStrategy"]!["rollingUpdate"]!["partition"] = 2;
        sts["status"]!["updatedReplicas"] = 1;
        Assert.Equal(RolloutPhase.Done, RolloutStatus.Check(sts).Phase);
    }

    [Fact]
    public void Check_FollowsDaemonSetRules()
    {
        var ds = JsonNode.Parse("""
            {"kind":"DaemonSet","metadata":{"name":"agent","generation":1},"spec":{},
             "status":{"observedGeneration":1,"desiredNumberScheduled":3,"updatedNumberScheduled":3,"numberAvailable":2}}
            """)!.AsObject();

        Assert.Equal("Waiting for daemon set \"agent\" rollout to finish: 2 of 3 updated pods are available...", RolloutStatus.Check(ds).Message);
    }
}
