using System.Text.Json.Nodes;

namespace Workflows.OpenStack.Sandbox.Kubernetes;

/// <summary>
/// <c>fieldValidation=Strict</c> (what kubectl sends on apply and create) for the typed kinds the sandbox serves: a field
/// the real type does not declare is refused with the API server's <c>strict decoding error: unknown field "…"</c>.
/// Without OpenAPI schemas, it knows the fields of each kind's top level, ObjectMeta, the workload specs, the pod
/// template and pod spec, containers and the Service spec; deeper structures (probes, volumes, strategies…) are
/// not checked.
/// </summary>
internal static class KubeFieldValidation
{
    private sealed record Schema(IReadOnlyDictionary<string, Schema?> Fields);

    private static Schema Of(params (string Name, Schema? Child)[] fields) => new(fields.ToDictionary(f => f.Name, f => f.Child, StringComparer.Ordinal));

    private static (string, Schema?)[] Plain(params string[] names) => names.Select(n => (n, (Schema?)null)).ToArray();

    private static readonly Schema ObjectMeta = Of(Plain(
        "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp",
        "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers", "managedFields"));

    private static readonly Schema Container = Of(Plain(
        "name", "image", "command", "args", "workingDir", "ports", "envFrom", "env", "resources", "resizePolicy", "restartPolicy", "volumeMounts",
        "volumeDevices", "livenessProbe", "readinessProbe", "startupProbe", "lifecycle", "terminationMessagePath", "terminationMessagePolicy",
        "imagePullPolicy", "securityContext", "stdin", "stdinOnce", "tty"));

    private static readonly Schema PodSpec = Of([
        ("containers", Container), ("initContainers", Container), ("ephemeralContainers", null),
        .. Plain("volumes", "restartPolicy", "terminationGracePeriodSeconds", "activeDeadlineSeconds", "dnsPolicy", "nodeSelector", "serviceAccountName",
            "serviceAccount", "automountServiceAccountToken", "nodeName", "hostNetwork", "hostPID", "hostIPC", "shareProcessNamespace", "securityContext",
            "imagePullSecrets", "hostname", "subdomain", "affinity", "schedulerName", "tolerations", "hostAliases", "priorityClassName", "priority",
            "dnsConfig", "readinessGates", "runtimeClassName", "enableServiceLinks", "preemptionPolicy", "overhead", "topologySpreadConstraints",
            "setHostnameAsFQDN", "os", "hostUsers", "schedulingGates", "resourceClaims", "resources")]);

    private static readonly Schema PodTemplate = Of(("metadata", ObjectMeta), ("spec", PodSpec));

    private static Schema Kind(Schema spec, params string[] more) => Of([("apiVersion", null), ("kind", null), ("metadata", ObjectMeta), ("spec", spec), ("status", null), .. Plain(more)]);

    private static readonly Dictionary<KubeResourceType, Schema> Kinds = new()
    {
        [KubeResourceType.Deployments] = Kind(Of([("template", PodTemplate), .. Plain("replicas", "selector", "strategy", "minReadySeconds", "revisionHistoryLimit", "paused", "progressDeadlineSeconds")])),
        [KubeResourceType.ReplicaSets] = Kind(Of([("template", PodTemplate), .. Plain("replicas", "minReadySeconds", "selector")])),
        [KubeResourceType.StatefulSets] = Kind(Of([("template", PodTemplate), .. Plain("replicas", "selector", "volumeClaimTemplates", "serviceName", "podManagementPolicy", "updateStrategy", "revisionHistoryLimit", "minReadySeconds", "persistentVolumeClaimRetentionPolicy", "ordinals")])),
        [KubeResourceType.DaemonSets] = Kind(Of([("template", PodTemplate), .. Plain("selector", "updateStrategy", "minReadySeconds", "revisionHistoryLimit")])),
        [KubeResourceType.Pods] = Kind(PodSpec),
        [KubeResourceType.Services] = Kind(Of(Plain(
            "ports", "selector", "clusterIP", "clusterIPs", "type", "externalIPs", "sessionAffinity", "loadBalancerIP", "loadBalancerSourceRanges",
            "externalName", "externalTrafficPolicy", "healthCheckNodePort", "publishNotReadyAddresses", "sessionAffinityConfig", "ipFamilies",
            "ipFamilyPolicy", "allocateLoadBalancerNodePorts", "loadBalancerClass", "internalTrafficPolicy", "trafficDistribution"))),
        [KubeResourceType.Namespaces] = Kind(Of(Plain("finalizers"))),
        [KubeResourceType.ConfigMaps] = Of([("apiVersion", null), ("kind", null), ("metadata", ObjectMeta), .. Plain("data", "binaryData", "immutable")]),
        [KubeResourceType.Secrets] = Of([("apiVersion", null), ("kind", null), ("metadata", ObjectMeta), .. Plain("data", "stringData", "type", "immutable")]),
    };

    /// <summary>Returns the paths of the fields of <paramref name="o"/> that <paramref name="type"/> does not declare, as the decoder names them.</summary>
    public static IReadOnlyList<string> UnknownFields(KubeResourceType type, JsonObject o)
    {
        var unknown = new List<string>();
        if (Kinds.TryGetValue(type, out var schema))
        {
            Walk(schema, o, string.Empty, unknown);
        }

        return unknown;
    }

    /// <summary>
    /// Applies the request's <c>fieldValidation</c> to unknown fields: <c>Strict</c> throws the API server's 400
    /// (<paramref name="prefix"/> is what its decoder says first); otherwise they are dropped, as the API server's decoder
    /// drops them, with a <c>Warning</c> header for each under <c>Warn</c> (the default) — kubectl prints those.
    /// </summary>
    public static void Check(Microsoft.AspNetCore.Http.HttpContext http, KubeResourceType type, JsonObject o, string prefix)
    {
        if (UnknownFields(type, o) is not { Count: > 0 } unknown)
        {
            return;
        }

        var mode = http.Request.Query["fieldValidation"].ToString();
        if (mode == "Strict")
        {
            throw KubeStatus.BadRequest($"{prefix}strict decoding error: {string.Join(", ", unknown.Select(u => $"unknown field \"{u}\""))}");
        }

        if (mode != "Ignore")
        {
            foreach (var u in unknown)
            {
                http.Response.Headers.Append("Warning", $"299 - \"unknown field \\\"{u}\\\"\"");
            }
        }

        Prune(Kinds[type], o);
    }

    private static void Prune(Schema schema, JsonObject o)
    {
        foreach (var name in o.Select(kv => kv.Key).ToList())
        {
            if (!schema.Fields.TryGetValue(name, out var child))
            {
                o.Remove(name);
            }
            else if (child is not null && o[name] is JsonObject nested)
            {
                Prune(child, nested);
            }
            else if (child is not null && o[name] is JsonArray items)
            {
                foreach (var item in items.OfType<JsonObject>())
                {
                    Prune(child, item);
                }
            }
        }
    }

    private static void Walk(Schema schema, JsonObject o, string path, List<string> unknown)
    {
        foreach (var (name, value) in o)
        {
            var here = path.Length == 0 ? name : $"{path}.{name}";
            if (!schema.Fields.TryGetValue(name, out var child))
            {
                unknown.Add(here);
                continue;
            }

            if (child is null)
            {
                continue;
            }

            if (value is JsonObject nested)
            {
                Walk(child, nested, here, unknown);
            }
            else if (value is JsonArray items)
            {
                for (var i = 0; i < items.Count; i++)
                {
                    if (items[i] is JsonObject item)
                    {
                        Walk(child, item, $"{here}[{i}]", unknown);
                    }
                }
            }
        }
    }
}
