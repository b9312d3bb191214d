using System.Text.Json.Nodes;
using Workflows.Kubernetes.Client;

namespace Workflows.Kubernetes.Rollout;

/// <summary>
/// Why a workload's pods are not ready: the waiting reasons of their containers (ImagePullBackOff, ErrImagePull,
/// CrashLoopBackOff, CreateContainerConfigError…) and unschedulable pods, read from the pods the workload's selector picks.
/// </summary>
public static class PodDiagnostics
{
    private static readonly ResourceInfo Pods = new("pods", true);

    /// <summary>Returns one line per distinct reason, e.g. <c>CrashLoopBackOff (container myapp, pods myapp-1, myapp-2): back-off 10s restarting failed container</c>.</summary>
    public static async Task<IReadOnlyList<string>> DiagnoseAsync(KubernetesApiClient client, JsonObject workload, CancellationToken cancellationToken)
    {
        var selector = Selector(workload["spec"]?["selector"] as JsonObject);
        if (selector is null)
        {
            return [];
        }

        var ns = RolloutStatus.Text(workload["metadata"], "namespace");
        var pods = await client.ListAsync("v1", Pods, ns, selector, cancellationToken);
        return Reasons(pods);
    }

    /// <summary>Turns a label selector object (<c>matchLabels</c>, <c>matchExpressions</c>) into its query form, e.g. <c>app=myapp,tier in (web)</c>.</summary>
    public static string? Selector(JsonObject? selector)
    {
        if (selector is null)
        {
            return null;
        }

        var parts = new List<string>();
        if (selector["matchLabels"] is JsonObject labels)
        {
            parts.AddRange(labels.Select(l => $"{l.Key}={l.Value?.GetValue<string>()}"));
        }

        if (selector["matchExpressions"] is JsonArray expressions)
        {
            foreach (var e in expressions.OfType<JsonObject>())
            {
                var key = RolloutStatus.Text(e, "key");
                var values = e["values"] is JsonArray v ? string.Join(",", v.Select(x => x?.GetValue<string>())) : string.Empty;
                parts.Add(RolloutStatus.Text(e, "operator") switch
                {
                    "In" => $"{key} in ({values})",
                    "NotIn" => $"{key} notin ({values})",
                    "Exists" => key!,
                    "DoesNotExist" => $"!{key}",
                    var op => throw new InvalidOperationException($"Unknown selector operator '{op}'."),
                });
            }
        }

        return parts.Count == 0 ? null : string.Join(",", parts);
    }

    /// <summary>Reads the reasons out of pods as the API returns them.</summary>
    public static IReadOnlyList<string> Reasons(IEnumerable<JsonObject> pods)
    {
        var found = new Dictionary<string, (SortedSet<string> Pods, string Message)>(StringComparer.Ordinal);
        void Add(string key, string pod, string message)
        {
            if (!found.TryGetValue(key, out var entry))
            {
                entry = (new SortedSet<string>(StringComparer.Ordinal), message);
                found[key] = entry;
            }

            entry.Pods.Add(pod);
        }

        foreach (var pod in pods)
        {
            var name = RolloutStatus.Text(pod["metadata"], "name") ?? "?";
            if (pod["metadata"]?["deletionTimestamp"] is not null)
            {
                continue;
            }

            if (pod["status"]?["conditions"] is JsonArray conditions)
            {
                foreach (var c in conditions.OfType<JsonObject>())
                {
                    if (RolloutStatus.Text(c, "type") == "PodScheduled" && RolloutStatus.Text(c, "status") == "False")
                    {
                        Add(RolloutStatus.Text(c, "reason") ?? "Unschedulable", name, RolloutStatus.Text(c, "message") ?? string.Empty);
                    }
                }
            }

            foreach (var field in new[] { "initContainerStatuses", "containerStatuses" })
            {
                if (pod["status"]?[field] is not JsonArray statuses)
                {
                    continue;
                }

                foreach (var s in statuses.OfType<JsonObject>())
                {
                    var waiting = s["state"]?["waiting"];
                    var reason = RolloutStatus.Text(waiting, "reason");
                    if (reason is null or "ContainerCreating" or "PodInitializing")
                    {
                        continue;
                    }

                    var message = RolloutStatus.Text(waiting, "message") ?? string.Empty;
                    if (s["lastState"]?["terminated"] is JsonObject last)
                    {
                        var exit = RolloutStatus.Number(last, "exitCode");
                        message = $"{message}{(message.Length > 0 ? "; " : string.Empty)}last exit {exit}{(RolloutStatus.Text(last, "reason") is { } r ? $" ({r})" : string.Empty)}";
                    }

                    Add($"{reason} (container {RolloutStatus.Text(s, "name")}", name, message);
                }
            }
        }

        return found.Select(f =>
        {
            var key = f.Key.Contains('(', StringComparison.Ordinal) ? $"{f.Key}, pods {string.Join(", ", f.Value.Pods)})" : $"{f.Key} (pods {string.Join(", ", f.Value.Pods)})";
            return f.Value.Message.Length > 0 ? $"{key}: {f.Value.Message}" : key;
        }).ToList();
    }
}
