using System.Globalization;
using System.Text.Json.Nodes;

namespace Workflows.Kubernetes.Rollout;

/// <summary>Where a workload's rollout stands.</summary>
public enum RolloutPhase
{
    /// <summary>Still rolling out.</summary>
    Waiting,

    /// <summary>Rolled out.</summary>
    Done,

    /// <summary>Failed (e.g. the progress deadline passed).</summary>
    Failed,
}

/// <summary>A rollout's state by <c>kubectl rollout status</c>'s rules.</summary>
/// <param name="Phase">Waiting, done or failed.</param>
/// <param name="Message">kubectl's message, e.g. <c>Waiting for deployment "myapp" rollout to finish: 1 out of 3 new replicas have been updated...</c>.</param>
/// <param name="Progress">Short progress, e.g. <c>2/3 updated, 1 available</c>.</param>
public sealed record RolloutCheck(RolloutPhase Phase, string Message, string Progress);

/// <summary>
/// The rules of kubectl's <c>DeploymentStatusViewer</c>, <c>StatefulSetStatusViewer</c> and <c>DaemonSetStatusViewer</c>
/// (k8s.io/kubectl/pkg/polymorphichelpers/rollout_status.go), applied to an object read from the API.
/// </summary>
public static class RolloutStatus
{
    /// <summary>The kinds whose rollout can be watched.</summary>
    public static readonly IReadOnlySet<string> Kinds = new HashSet<string>(StringComparer.Ordinal) { "Deployment", "StatefulSet", "DaemonSet" };

    /// <summary>Checks <paramref name="live"/>; <paramref name="appliedGeneration"/> is the generation our apply produced (observedGeneration must reach it).</summary>
    public static RolloutCheck Check(JsonObject live, long? appliedGeneration = null)
    {
        var kind = Text(live, "kind") ?? string.Empty;
        var name = Text(live["metadata"], "name") ?? string.Empty;
        var generation = Math.Max(Number(live["metadata"], "generation") ?? 0, appliedGeneration ?? 0);
        var status = live["status"] as JsonObject;
        var observed = Number(status, "observedGeneration") ?? 0;
        return kind switch
        {
            "Deployment" => Deployment(name, live, status, generation, observed),
            "StatefulSet" => StatefulSet(name, live, status, generation, observed),
            "DaemonSet" => DaemonSet(name, live, status, generation, observed),
            _ => new RolloutCheck(RolloutPhase.Done, $"{kind} {name} has no rollout", "n/a"),
        };
    }

    private static RolloutCheck Deployment(string name, JsonObject live, JsonObject? status, long generation, long observed)
    {
        var specReplicas = Number(live["spec"], "replicas") ?? 1;
        var replicas = Number(status, "replicas") ?? 0;
        var updated = Number(status, "updatedReplicas") ?? 0;
        var available = Number(status, "availableReplicas") ?? 0;
        var progress = $"{F(updated)}/{F(specReplicas)} updated, {F(available)} available";
        if (generation > observed)
        {
            return new(RolloutPhase.Waiting, "Waiting for deployment spec update to be observed...", $"{progress} (spec update not observed yet)");
        }

        if (status?["conditions"] is JsonArray conditions
            && conditions.OfType<JsonObject>().FirstOrDefault(c => Text(c, "type") == "Progressing") is { } progressing
            && Text(progressing, "reason") == "ProgressDeadlineExceeded")
        {
            return new(RolloutPhase.Failed, $"deployment \"{name}\" exceeded its progress deadline", progress);
        }

        if (updated < specReplicas)
        {
            return new(RolloutPhase.Waiting, $"Waiting for deployment \"{name}\" rollout to finish: {F(updated)} out of {F(specReplicas)} new replicas have been updated...", progress);
        }

        if (replicas > updated)
        {
            return new(RolloutPhase.Waiting, $"Waiting for deployment \"{name}\" rollout to finish: {F(replicas - updated)} old replicas are pending termination...", progress);
        }

        if (available < updated)
        {
            return new(RolloutPhase.Waiting, $"Waiting for deployment \"{name}\" rollout to finish: {F(available)} of {F(updated)} updated replicas are available...", progress);
        }

        return new(RolloutPhase.Done, $"deployment \"{name}\" successfully rolled out", progress);
    }

    private static RolloutCheck StatefulSet(string name, JsonObject live, JsonObject? status, long generation, long observed)
    {
        var specReplicas = Number(live["spec"], "replicas") ?? 1;
        var ready = Number(status, "readyReplicas") ?? 0;
        var updated = Number(status, "updatedReplicas") ?? 0;
        var progress = $"{F(updated)}/{F(specReplicas)} updated, {F(ready)} ready";
        var strategy = live["spec"]?["updateStrategy"];
        if ((Text(strategy, "type") ?? "RollingUpdate") != "RollingUpdate")
        {
            return new(RolloutPhase.Done, $"statefulset \"{name}\" uses the {Text(strategy, "type")} strategy: rollout status is only available for RollingUpdate", progress);
        }

        if (observed == 0 || generation > observed)
        {
            return new(RolloutPhase.Waiting, "Waiting for statefulset spec update to be observed...", $"{progress} (spec update not observed yet)");
        }

        if (ready < specReplicas)
        {
            return new(RolloutPhase.Waiting, $"Waiting for {F(specReplicas - ready)} pods to be ready...", progress);
        }

        // As kubectl: with a rollingUpdate (the API server defaults it, partition 0) the partition decides, not the revisions.
        if (strategy?["rollingUpdate"] is JsonObject rollingUpdate)
        {
            return Number(rollingUpdate, "partition") is { } partition && updated < specReplicas - partition
                ? new(RolloutPhase.Waiting, $"Waiting for partitioned roll out to finish: {F(updated)} out of {F(specReplicas - partition)} new pods have been updated...", progress)
                : new(RolloutPhase.Done, $"partitioned roll out complete: {F(updated)} new pods have been updated...", progress);
        }

        var updateRevision = Text(status, "updateRevision");
        if (updateRevision != Text(status, "currentRevision"))
        {
            return new(RolloutPhase.Waiting, $"waiting for statefulset rolling update to complete {F(updated)} pods at revision {updateRevision}...", progress);
        }

        return new(RolloutPhase.Done, $"statefulset rolling update complete {F(Number(status, "currentReplicas") ?? ready)} pods at revision {updateRevision}...", progress);
    }

    private static RolloutCheck DaemonSet(string name, JsonObject live, JsonObject? status, long generation, long observed)
    {
        var desired = Number(status, "desiredNumberScheduled") ?? 0;
        var updated = Number(status, "updatedNumberScheduled") ?? 0;
        var available = Number(status, "numberAvailable") ?? 0;
        var progress = $"{F(updated)}/{F(desired)} updated, {F(available)} available";
        if ((Text(live["spec"]?["updateStrategy"], "type") ?? "RollingUpdate") != "RollingUpdate")
        {
            return new(RolloutPhase.Done, $"daemonset \"{name}\" uses the OnDelete strategy: rollout status is only available for RollingUpdate", progress);
        }

        if (generation > observed)
        {
            return new(RolloutPhase.Waiting, "Waiting for daemon set spec update to be observed...", $"{progress} (spec update not observed yet)");
        }

        if (updated < desired)
        {
            return new(RolloutPhase.Waiting, $"Waiting for daemon set \"{name}\" rollout to finish: {F(updated)} out of {F(desired)} new pods have been updated...", progress);
        }

        if (available < desired)
        {
            return new(RolloutPhase.Waiting, $"Waiting for daemon set \"{name}\" rollout to finish: {F(available)} of {F(desired)} updated pods are available...", progress);
        }

        return new(RolloutPhase.Done, $"daemon set \"{name}\" successfully rolled out", progress);
    }

    internal static string? Text(JsonNode? node, string field) =>
        node is JsonObject o && o[field] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    internal static long? Number(JsonNode? node, string field)
    {
        if (node is not JsonObject o || o[field] is not JsonValue v)
        {
            return null;
        }

        if (v.TryGetValue<long>(out var l))
        {
            return l;
        }

        // A node built in memory holds the CLR type it was given.
        if (v.TryGetValue<int>(out var i))
        {
            return i;
        }

        return v.TryGetValue<double>(out var d) ? (long)d : null;
    }

    private static string F(long value) => value.ToString(CultureInfo.InvariantCulture);
}
