using System.Globalization;
using System.Text.Json.Nodes;

namespace Workflows.OpenStack.Sandbox.Kubernetes;

/// <summary>Server-side printing: the <c>meta.k8s.io/v1 Table</c> kubectl asks for, with the real columns per kind.</summary>
internal static class KubeTables
{
    public static JsonObject Table(KubeResourceType type, IEnumerable<JsonObject> items, string resourceVersion, DateTimeOffset now, bool includeObject)
    {
        var columns = new JsonArray();
        foreach (var (name, kind, format, priority, description) in Columns(type))
        {
            columns.Add(new JsonObject { ["name"] = name, ["type"] = kind, ["format"] = format, ["description"] = description, ["priority"] = priority });
        }

        var rows = new JsonArray();
        foreach (var o in items)
        {
            var obj = includeObject
                ? (JsonObject)o.DeepClone()
                : new JsonObject { ["kind"] = "PartialObjectMetadata", ["apiVersion"] = "meta.k8s.io/v1", ["metadata"] = o["metadata"]?.DeepClone() };
            if (includeObject)
            {
                obj["kind"] ??= type.Kind;
                obj["apiVersion"] ??= type.ApiVersion;
            }

            rows.Add(new JsonObject { ["cells"] = new JsonArray(Cells(type, o, now).ToArray()), ["object"] = obj });
        }

        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion },
            ["columnDefinitions"] = columns,
            ["rows"] = rows,
        };
    }

    private static IEnumerable<(string Name, string Type, string Format, int Priority, string Description)> Columns(KubeResourceType type)
    {
        yield return ("Name", "string", "name", 0, "Name must be unique within a namespace.");
        if (type == KubeResourceType.Pods)
        {
            yield return ("Ready", "string", string.Empty, 0, "The aggregate readiness state of this pod for accepting traffic.");
            yield return ("Status", "string", string.Empty, 0, "The aggregate status of the containers in this pod.");
            yield return ("Restarts", "string", string.Empty, 0, "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.");
            yield return ("Age", "string", string.Empty, 0, "CreationTimestamp is a timestamp representing the server time when this object was created.");
            yield return ("IP", "string", string.Empty, 1, "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.");
            yield return ("Node", "string", string.Empty, 1, "NodeName indicates in which node this pod is scheduled.");
        }
        else if (type == KubeResourceType.Deployments)
        {
            yield return ("Ready", "string", string.Empty, 0, "Number of the pod with ready state");
            yield return ("Up-to-date", "integer", string.Empty, 0, "Total number of non-terminated pods targeted by this deployment that have the desired template spec.");
            yield return ("Available", "integer", string.Empty, 0, "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.");
            yield return ("Age", "string", string.Empty, 0, "CreationTimestamp is a timestamp representing the server time when this object was created.");
            yield return ("Containers", "string", string.Empty, 1, "Names of each container in the template.");
            yield return ("Images", "string", string.Empty, 1, "Images referenced by each container in the template.");
            yield return ("Selector", "string", string.Empty, 1, "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.");
        }
        else if (type == KubeResourceType.StatefulSets)
        {
            yield return ("Ready", "string", string.Empty, 0, "Number of the pod with ready state");
            yield return ("Age", "string", string.Empty, 0, "CreationTimestamp is a timestamp representing the server time when this object was created.");
            yield return ("Containers", "string", string.Empty, 1, "Names of each container in the template.");
            yield return ("Images", "string", string.Empty, 1, "Images referenced by each container in the template.");
        }
        else if (type == KubeResourceType.DaemonSets)
        {
            yield return ("Desired", "integer", string.Empty, 0, "The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).");
            yield return ("Current", "integer", string.Empty, 0, "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.");
            yield return ("Ready", "integer", string.Empty, 0, "numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.");
            yield return ("Up-to-date", "integer", string.Empty, 0, "The total number of nodes that are running updated daemon pod");
            yield return ("Available", "integer", string.Empty, 0, "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)");
            yield return ("Node Selector", "string", string.Empty, 0, "NodeSelector is a selector which must be true for the pod to fit on a node.");
            yield return ("Age", "string", string.Empty, 0, "CreationTimestamp is a timestamp representing the server time when this object was created.");
            yield return ("Containers", "string", string.Empty, 1, "Names of each container in the template.");
            yield return ("Images", "string", string.Empty, 1, "Images referenced by each container in the template.");
            yield return ("Selector", "string", string.Empty, 1, "A label query over pods that are managed by the daemon set.");
        }
        else if (type == KubeResourceType.ReplicaSets)
        {
            yield return ("Desired", "integer", string.Empty, 0, "Replicas is the number of desired replicas.");
            yield return ("Current", "integer", string.Empty, 0, "Replicas is the most recently observed number of replicas.");
            yield return ("Ready", "integer", string.Empty, 0, "The number of ready replicas for this replica set.");
            yield return ("Age", "string", string.Empty, 0, "CreationTimestamp is a timestamp representing the server time when this object was created.");
            yield return ("Containers", "string", string.Empty, 1, "Names of each container in the template.");
            yield return ("Images", "string", string.Empty, 1, "Images referenced by each container in the template.");
            yield return ("Selector", "string", string.Empty, 1, "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.");
        }
        else if (type == KubeResourceType.Services)
        {
            yield return ("Type", "string", string.Empty, 0, "type determines how the Service is exposed.");
            yield return ("Cluster-IP", "string", string.Empty, 0, "clusterIP is the IP address of the service and is usually assigned randomly.");
            yield return ("External-IP", "string", string.Empty, 0, "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.");
            yield return ("Port(s)", "string", string.Empty, 0, "The list of ports that are exposed by this service.");
            yield return ("Age", "string", string.Empty, 0, "CreationTimestamp is a timestamp representing the server time when this object was created.");
            yield return ("Selector", "string", string.Empty, 1, "Route service traffic to pods with label keys and values matching this selector.");
        }
        else if (type == KubeResourceType.ConfigMaps)
        {
            yield return ("Data", "string", string.Empty, 0, "Data contains the configuration data.");
            yield return ("Age", "string", string.Empty, 0, "CreationTimestamp is a timestamp representing the server time when this object was created.");
        }
        else if (type == KubeResourceType.Secrets)
        {
            yield return ("Type", "string", string.Empty, 0, "The type of the secret");
            yield return ("Data", "string", string.Empty, 0, "The number of entries in the secret");
            yield return ("Age", "string", string.Empty, 0, "CreationTimestamp is a timestamp representing the server time when this object was created.");
        }
        else if (type == KubeResourceType.Namespaces)
        {
            yield return ("Status", "string", string.Empty, 0, "The status of the namespace");
            yield return ("Age", "string", string.Empty, 0, "CreationTimestamp is a timestamp representing the server time when this object was created.");
        }
        else if (type == KubeResourceType.Nodes)
        {
            yield return ("Status", "string", string.Empty, 0, "The status of the node");
            yield return ("Roles", "string", string.Empty, 0, "The roles of the node");
            yield return ("Age", "string", string.Empty, 0, "CreationTimestamp is a timestamp representing the server time when this object was created.");
            yield return ("Version", "string", string.Empty, 0, "Kubelet Version reported by the node.");
        }
        else
        {
            yield return ("Age", "string", string.Empty, 0, "CreationTimestamp is a timestamp representing the server time when this object was created.");
        }
    }

    private static IEnumerable<JsonNode?> Cells(KubeResourceType type, JsonObject o, DateTimeOffset now)
    {
        string F(long v) => v.ToString(CultureInfo.InvariantCulture);
        var created = KubeObject.ParseTimestamp(KubeObject.Str(KubeObject.Obj(o, "metadata"), "creationTimestamp"));
        var age = created is null ? "<unknown>" : KubeObject.HumanDuration(now - created.Value);
        var status = KubeObject.Obj(o, "status");
        var spec = KubeObject.Obj(o, "spec");
        yield return KubeObject.Name(o);
        if (type == KubeResourceType.Pods)
        {
            var containers = KubeObject.Arr(spec, "containers")?.Count ?? 0;
            var statuses = KubeObject.Arr(status, "containerStatuses")?.OfType<JsonObject>().ToList() ?? [];
            var ready = statuses.Count(s => KubeObject.Bool(s, "ready") == true);
            var reason = KubeObject.Str(status, "phase") ?? "Pending";
            foreach (var s in statuses)
            {
                if (KubeObject.Str(KubeObject.Obj(s, "state", "waiting"), "reason") is { } waiting)
                {
                    reason = waiting;
                }
            }

            if (KubeObject.Str(KubeObject.Obj(o, "metadata"), "deletionTimestamp") is not null)
            {
                reason = "Terminating";
            }

            yield return $"{F(ready)}/{F(containers)}";
            yield return reason;
            yield return F(statuses.Sum(s => KubeObject.Long(s, "restartCount") ?? 0));
            yield return age;
            yield return KubeObject.Str(status, "podIP") ?? "<none>";
            yield return KubeObject.Str(spec, "nodeName") ?? "<none>";
        }
        else if (type == KubeResourceType.Deployments)
        {
            var containers = KubeObject.Arr(spec, "template", "spec", "containers")?.OfType<JsonObject>().ToList() ?? [];
            yield return $"{F(KubeObject.Long(status, "readyReplicas") ?? 0)}/{F(KubeObject.Long(spec, "replicas") ?? 0)}";
            yield return KubeObject.Long(status, "updatedReplicas") ?? 0;
            yield return KubeObject.Long(status, "availableReplicas") ?? 0;
            yield return age;
            yield return string.Join(",", containers.Select(c => KubeObject.Str(c, "name")));
            yield return string.Join(",", containers.Select(c => KubeObject.Str(c, "image")));
            yield return KubeSelectors.Format(KubeObject.Obj(spec, "selector"));
        }
        else if (type == KubeResourceType.StatefulSets)
        {
            var containers = KubeObject.Arr(spec, "template", "spec", "containers")?.OfType<JsonObject>().ToList() ?? [];
            yield return $"{F(KubeObject.Long(status, "readyReplicas") ?? 0)}/{F(KubeObject.Long(spec, "replicas") ?? 0)}";
            yield return age;
            yield return string.Join(",", containers.Select(c => KubeObject.Str(c, "name")));
            yield return string.Join(",", containers.Select(c => KubeObject.Str(c, "image")));
        }
        else if (type == KubeResourceType.DaemonSets)
        {
            var containers = KubeObject.Arr(spec, "template", "spec", "containers")?.OfType<JsonObject>().ToList() ?? [];
            yield return KubeObject.Long(status, "desiredNumberScheduled") ?? 0;
            yield return KubeObject.Long(status, "currentNumberScheduled") ?? 0;
            yield return KubeObject.Long(status, "numberReady") ?? 0;
            yield return KubeObject.Long(status, "updatedNumberScheduled") ?? 0;
            yield return KubeObject.Long(status, "numberAvailable") ?? 0;
            var nodeSelector = KubeObject.StringMap(KubeObject.Obj(spec, "template", "spec", "nodeSelector"));
            yield return nodeSelector.Count == 0 ? "<none>" : string.Join(",", nodeSelector.Select(kv => $"{kv.Key}={kv.Value}"));
            yield return age;
            yield return string.Join(",", containers.Select(c => KubeObject.Str(c, "name")));
            yield return string.Join(",", containers.Select(c => KubeObject.Str(c, "image")));
            yield return KubeSelectors.Format(KubeObject.Obj(spec, "selector"));
        }
        else if (type == KubeResourceType.ReplicaSets)
        {
            yield return KubeObject.Long(spec, "replicas") ?? 0;
            yield return KubeObject.Long(status, "replicas") ?? 0;
            yield return KubeObject.Long(status, "readyReplicas") ?? 0;
            yield return age;
            var containers = KubeObject.Arr(spec, "template", "spec", "containers")?.OfType<JsonObject>().ToList() ?? [];
            yield return string.Join(",", containers.Select(c => KubeObject.Str(c, "name")));
            yield return string.Join(",", containers.Select(c => KubeObject.Str(c, "image")));
            yield return KubeSelectors.Format(KubeObject.Obj(spec, "selector"));
        }
        else if (type == KubeResourceType.Services)
        {
            var ports = KubeObject.Arr(spec, "ports")?.OfType<JsonObject>().Select(p =>
                $"{F(KubeObject.Long(p, "port") ?? 0)}{(KubeObject.Long(p, "nodePort") is { } np ? ":" + F(np) : string.Empty)}/{KubeObject.Str(p, "protocol") ?? "TCP"}") ?? [];
            var selector = KubeObject.StringMap(KubeObject.Obj(spec, "selector"));
            yield return KubeObject.Str(spec, "type") ?? "ClusterIP";
            yield return KubeObject.Str(spec, "clusterIP") ?? "<none>";
            yield return KubeObject.Str(spec, "type") == "LoadBalancer" ? "<pending>" : "<none>";
            yield return string.Join(",", ports) is { Length: > 0 } p ? p : "<none>";
            yield return age;
            yield return selector.Count == 0 ? "<none>" : string.Join(",", selector.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}={s.Value}"));
        }
        else if (type == KubeResourceType.ConfigMaps)
        {
            yield return F((KubeObject.Obj(o, "data")?.Count ?? 0) + (KubeObject.Obj(o, "binaryData")?.Count ?? 0));
            yield return age;
        }
        else if (type == KubeResourceType.Secrets)
        {
            yield return KubeObject.Str(o, "type") ?? "Opaque";
            yield return F(KubeObject.Obj(o, "data")?.Count ?? 0);
            yield return age;
        }
        else if (type == KubeResourceType.Namespaces)
        {
            yield return KubeObject.Str(status, "phase") ?? "Active";
            yield return age;
        }
        else if (type == KubeResourceType.Nodes)
        {
            yield return "Ready";
            yield return "control-plane";
            yield return age;
            yield return KubeObject.Str(KubeObject.Obj(status, "nodeInfo"), "kubeletVersion") ?? "v1.32.0";
        }
        else
        {
            yield return age;
        }
    }
}
