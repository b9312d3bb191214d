using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Workflows.OpenStack.Sandbox.Kubernetes;

/// <summary>
/// The simulated control plane: the Deployment controller (a ReplicaSet per pod-template hash, rolling update by
/// <c>maxSurge</c>/<c>maxUnavailable</c> or Recreate, revisions, conditions, progress deadline), the ReplicaSet
/// controller, the StatefulSet controller (ordinal pods created in order, rolling update from the highest ordinal down
/// to the partition, current/update revisions) and the DaemonSet controller (one pod on the one node, rolling update by
/// <c>maxUnavailable</c>), a kubelet that makes pods Ready after <see cref="KubernetesSandboxOptions.PodReadyDelay"/> (or sends
/// <c>fail-</c> images to CrashLoopBackOff), the garbage collector (owner references, foreground deletion) and the
/// namespace controller. It runs a pass after every change and when a timer it set is due.
/// </summary>
internal sealed class KubeController : IAsyncDisposable
{
    public const string RevisionAnnotation = "deployment.kubernetes.io/revision";
    private const string HashLabel = "pod-template-hash";
    private const string Alphanums = "bcdfghjklmnpqrstvwxz2456789";
    private readonly KubeStore store;
    private readonly KubernetesSandboxOptions options;
    private readonly SemaphoreSlim signal = new(0, 1);
    private readonly CancellationTokenSource stop = new();
    private readonly Dictionary<string, DateTimeOffset> podStarted = new(StringComparer.Ordinal);
    private readonly Task loop;
    private int podIp = 10;

    public KubeController(KubeStore store, KubernetesSandboxOptions options)
    {
        this.store = store;
        this.options = options;
        store.Changed += Poke;
        loop = Task.Run(RunAsync);
    }

    private DateTimeOffset Now => options.TimeProvider.GetUtcNow();

    /// <summary>Resolves an int-or-percent (<c>25%</c>) against a total, rounding percentages up or down.</summary>
    public static int ResolveIntOrPercent(JsonNode? value, int total, bool roundUp)
    {
        if (value is JsonValue v && v.TryGetValue<string>(out var s))
        {
            if (s.EndsWith('%') && int.TryParse(s[..^1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var pct))
            {
                var exact = total * pct / 100.0;
                return (int)(roundUp ? Math.Ceiling(exact) : Math.Floor(exact));
            }

            return int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;
        }

        return value is JsonValue iv && iv.TryGetValue<int>(out var i) ? i : value is JsonValue lv && lv.TryGetValue<long>(out var l) ? (int)l : 0;
    }

    /// <summary>Computes the <c>pod-template-hash</c> of a pod template as the controller does (FNV-32a, safe-encoded).</summary>
    public static string TemplateHash(JsonObject template)
    {
        var canonical = Canonical(template);
        uint hash = 2166136261;
        foreach (var b in Encoding.UTF8.GetBytes(canonical))
        {
            hash ^= b;
            hash *= 16777619;
        }

        var digits = hash.ToString(CultureInfo.InvariantCulture);
        var sb = new StringBuilder(digits.Length);
        foreach (var c in digits)
        {
            sb.Append(Alphanums[c % Alphanums.Length]);
        }

        return sb.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        store.Changed -= Poke;
        await stop.CancelAsync();
        try
        {
            await loop;
        }
        catch (OperationCanceledException)
        {
        }

        stop.Dispose();
        signal.Dispose();
    }

    private static string Canonical(JsonNode? node) => node switch
    {
        JsonObject o => "{" + string.Join(",", o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{System.Text.Json.JsonSerializer.Serialize(p.Key)}:{Canonical(p.Value)}")) + "}",
        JsonArray a => "[" + string.Join(",", a.Select(Canonical)) + "]",
        null => "null",
        _ => node.ToJsonString(),
    };

    private void Poke()
    {
        try
        {
            if (signal.CurrentCount == 0)
            {
                signal.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
        catch (ObjectDisposedException)
        {
            // Shutting down.
        }
    }

    private async Task RunAsync()
    {
        var ct = stop.Token;
        while (!ct.IsCancellationRequested)
        {
            DateTimeOffset? due;
            try
            {
                lock (store.Gate)
                {
                    due = Reconcile();
                }
            }
#pragma warning disable CA1031 // The control loop must survive a bad object; the next change retries.
            catch (Exception)
#pragma warning restore CA1031
            {
                due = Now + TimeSpan.FromSeconds(1);
            }

            var wait = due is { } d ? d - Now : TimeSpan.FromSeconds(5);
            if (wait < TimeSpan.FromMilliseconds(1))
            {
                wait = TimeSpan.FromMilliseconds(1);
            }

            if (wait > TimeSpan.FromSeconds(5))
            {
                wait = TimeSpan.FromSeconds(5);
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var delay = Task.Delay(wait, options.TimeProvider, timeout.Token);
            var poked = signal.WaitAsync(timeout.Token);
            await Task.WhenAny(delay, poked);
            await timeout.CancelAsync();
            try
            {
                await Task.WhenAll(delay, poked);
            }
            catch (OperationCanceledException)
            {
            }

        }
    }

    /// <summary>One pass over everything; returns when the next timed event is due.</summary>
    private DateTimeOffset? Reconcile()
    {
        DateTimeOffset? due = null;
        void Due(DateTimeOffset t) => due = due is null || t < due ? t : due;

        CollectGarbage();
        TerminateNamespaces();
        foreach (var d in store.List(KubeResourceType.Deployments))
        {
            SyncDeployment(d, Due);
        }

        foreach (var rs in store.List(KubeResourceType.ReplicaSets))
        {
            SyncReplicaSet(rs);
        }

        foreach (var sts in store.List(KubeResourceType.StatefulSets))
        {
            SyncStatefulSet(sts);
        }

        foreach (var ds in store.List(KubeResourceType.DaemonSets))
        {
            SyncDaemonSet(ds);
        }

        foreach (var pod in store.List(KubeResourceType.Pods))
        {
            SyncPod(pod, Due);
        }

        return due;
    }

    private static IEnumerable<KubeResourceType> Dependents => [KubeResourceType.ReplicaSets, KubeResourceType.Pods];

    private void CollectGarbage()
    {
        var uids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in KubeResourceType.All)
        {
            foreach (var o in store.List(t))
            {
                if (KubeObject.Uid(o) is { } uid)
                {
                    uids.Add(uid);
                }
            }
        }

        foreach (var t in KubeResourceType.All)
        {
            foreach (var o in store.List(t))
            {
                var owners = KubeObject.Arr(o, "metadata", "ownerReferences")?.OfType<JsonObject>().ToList();
                if (owners is { Count: > 0 } && owners.All(r => !uids.Contains(KubeObject.Str(r, "uid") ?? string.Empty)))
                {
                    DeleteNow(t, o);
                    continue;
                }

                if (KubeObject.Str(KubeObject.Obj(o, "metadata"), "deletionTimestamp") is not null
                    && KubeObject.Arr(o, "metadata", "finalizers")?.Any(f => f?.GetValue<string>() == "foregroundDeletion") == true)
                {
                    var uid = KubeObject.Uid(o)!;
                    var dependents = Dependents.SelectMany(dt => store.List(dt).Where(c => KubeObject.IsOwnedBy(c, uid, controllerOnly: false)).Select(c => (dt, c))).ToList();
                    foreach (var (dt, c) in dependents)
                    {
                        if (KubeObject.Str(KubeObject.Obj(c, "metadata"), "deletionTimestamp") is null)
                        {
                            var hasChildren = Dependents.Any(gt => store.List(gt).Any(g => KubeObject.IsOwnedBy(g, KubeObject.Uid(c)!, controllerOnly: false)));
                            if (hasChildren)
                            {
                                MarkForeground(dt, c);
                            }
                            else
                            {
                                DeleteNow(dt, c);
                            }
                        }
                    }

                    if (dependents.Count == 0)
                    {
                        DeleteNow(t, o);
                    }
                }
            }
        }
    }

    /// <summary>Marks an object for foreground deletion (deletionTimestamp + the foregroundDeletion finalizer).</summary>
    public void MarkForeground(KubeResourceType type, JsonObject o)
    {
        var m = KubeObject.Metadata(o);
        m["deletionTimestamp"] ??= KubeObject.Timestamp(Now);
        m["deletionGracePeriodSeconds"] ??= 0;
        var finalizers = m["finalizers"] as JsonArray ?? [];
        if (!finalizers.Any(f => f?.GetValue<string>() == "foregroundDeletion"))
        {
            finalizers.Add("foregroundDeletion");
        }

        m["finalizers"] = finalizers;
        store.Put(type, o);
    }

    private void DeleteNow(KubeResourceType type, JsonObject o)
    {
        if (type == KubeResourceType.Pods)
        {
            podStarted.Remove(KubeObject.Uid(o) ?? string.Empty);
        }

        store.Remove(type, KubeObject.Namespace(o), KubeObject.Name(o));
    }

    private void TerminateNamespaces()
    {
        foreach (var ns in store.List(KubeResourceType.Namespaces).Where(n => KubeObject.Str(KubeObject.Obj(n, "metadata"), "deletionTimestamp") is not null))
        {
            var name = KubeObject.Name(ns);
            var left = 0;
            foreach (var t in KubeResourceType.All.Where(t => t.Namespaced))
            {
                foreach (var o in store.List(t, name))
                {
                    DeleteNow(t, o);
                    left++;
                }
            }

            if (left == 0)
            {
                store.Remove(KubeResourceType.Namespaces, null, name);
            }
        }
    }

    private void SyncDeployment(JsonObject d, Action<DateTimeOffset> due)
    {
        var meta = KubeObject.Metadata(d);
        if (meta["deletionTimestamp"] is not null)
        {
            return;
        }

        var ns = KubeObject.Namespace(d);
        var uid = KubeObject.Uid(d)!;
        var spec = KubeObject.Child(d, "spec");
        var replicas = (int)(KubeObject.Long(spec, "replicas") ?? 1);
        var template = (JsonObject)(spec["template"]?.DeepClone() ?? new JsonObject());
        var all = store.List(KubeResourceType.ReplicaSets, ns).Where(rs => KubeObject.IsOwnedBy(rs, uid)).ToList();
        var newRs = all.FirstOrDefault(rs => TemplateEquals(rs, template));
        var olds = all.Where(rs => rs != newRs).ToList();
        var maxOldRevision = olds.Select(Revision).DefaultIfEmpty(0).Max();
        var paused = KubeObject.Bool(spec, "paused") == true;
        string? progressReason = null;
        string? progressMessage = null;
        if (paused && newRs is null)
        {
            WriteDeploymentStatus(d, all, null, replicas, due, "DeploymentPaused");
            return;
        }

        if (newRs is null)
        {
            var hash = TemplateHash(template);
            var labels = KubeObject.Child(KubeObject.Metadata(template), "labels");
            labels[HashLabel] = hash;
            var selector = (JsonObject)(spec["selector"]?.DeepClone() ?? new JsonObject());
            KubeObject.Child(selector, "matchLabels")[HashLabel] = hash;
            var name = $"{KubeObject.Name(d)}-{hash}";
            var rsSpec = new JsonObject
            {
                ["replicas"] = KubeObject.Str(KubeObject.Obj(spec, "strategy"), "type") == "Recreate" && olds.Any(o => Replicas(o) > 0) ? 0 : Math.Min(replicas, InitialNewReplicas(spec, replicas, olds)),
                ["selector"] = selector,
                ["template"] = template,
            };
            if (KubeObject.Long(spec, "minReadySeconds") is { } mrs)
            {
                rsSpec["minReadySeconds"] = mrs;
            }

            var rsLabels = labels.DeepClone();
            newRs = new JsonObject
            {
                ["apiVersion"] = "apps/v1",
                ["kind"] = "ReplicaSet",
                ["metadata"] = new JsonObject
                {
                    ["name"] = name,
                    ["namespace"] = ns,
                    ["uid"] = Guid.NewGuid().ToString(),
                    ["generation"] = 1,
                    ["creationTimestamp"] = KubeObject.Timestamp(Now),
                    ["labels"] = rsLabels,
                    ["annotations"] = new JsonObject
                    {
                        ["deployment.kubernetes.io/desired-replicas"] = replicas.ToString(CultureInfo.InvariantCulture),
                        ["deployment.kubernetes.io/max-replicas"] = (replicas + MaxSurge(spec, replicas)).ToString(CultureInfo.InvariantCulture),
                        [RevisionAnnotation] = (maxOldRevision + 1).ToString(CultureInfo.InvariantCulture),
                    },
                    ["ownerReferences"] = new JsonArray(KubeObject.OwnerReference(KubeResourceType.Deployments, d)),
                },
                ["spec"] = rsSpec,
                ["status"] = new JsonObject { ["replicas"] = 0 },
            };
            newRs = store.Put(KubeResourceType.ReplicaSets, newRs);
            progressReason = "NewReplicaSetCreated";
            progressMessage = $"Created new replica set \"{name}\"";
        }
        else if (Revision(newRs) <= maxOldRevision)
        {
            var old = Revision(newRs);
            var history = KubeObject.Annotation(newRs, "deployment.kubernetes.io/revision-history");
            KubeObject.SetAnnotation(newRs, "deployment.kubernetes.io/revision-history", string.IsNullOrEmpty(history) ? old.ToString(CultureInfo.InvariantCulture) : $"{history},{old}");
            KubeObject.SetAnnotation(newRs, RevisionAnnotation, (maxOldRevision + 1).ToString(CultureInfo.InvariantCulture));
            newRs = store.Put(KubeResourceType.ReplicaSets, newRs);
            progressReason = "FoundNewReplicaSet";
            progressMessage = $"Found new replica set \"{KubeObject.Name(newRs)}\"";
        }

        if (KubeObject.Annotation(d, RevisionAnnotation) != KubeObject.Annotation(newRs, RevisionAnnotation))
        {
            KubeObject.SetAnnotation(d, RevisionAnnotation, KubeObject.Annotation(newRs, RevisionAnnotation));
            d = store.Put(KubeResourceType.Deployments, d);
            spec = KubeObject.Child(d, "spec");
        }

        if (!paused)
        {
            if (KubeObject.Str(KubeObject.Obj(spec, "strategy"), "type") == "Recreate")
            {
                foreach (var old in olds.Where(o => Replicas(o) > 0))
                {
                    Scale(old, 0);
                }

                if (olds.All(o => (KubeObject.Long(KubeObject.Obj(o, "status"), "replicas") ?? 0) == 0) && Replicas(newRs) != replicas)
                {
                    newRs = Scale(newRs, replicas);
                }
            }
            else
            {
                newRs = RollingUpdate(spec, replicas, newRs, olds);
            }

            if (KubeObject.Annotation(newRs, "deployment.kubernetes.io/desired-replicas") != replicas.ToString(CultureInfo.InvariantCulture))
            {
                KubeObject.SetAnnotation(newRs, "deployment.kubernetes.io/desired-replicas", replicas.ToString(CultureInfo.InvariantCulture));
                KubeObject.SetAnnotation(newRs, "deployment.kubernetes.io/max-replicas", (replicas + MaxSurge(spec, replicas)).ToString(CultureInfo.InvariantCulture));
                newRs = store.Put(KubeResourceType.ReplicaSets, newRs);
            }

            CleanupHistory(spec, olds);
        }

        all = store.List(KubeResourceType.ReplicaSets, ns).Where(rs => KubeObject.IsOwnedBy(rs, uid)).ToList();
        WriteDeploymentStatus(d, all, all.FirstOrDefault(rs => KubeObject.Uid(rs) == KubeObject.Uid(newRs)), replicas, due, progressReason, progressMessage);
    }

    private static int InitialNewReplicas(JsonObject spec, int replicas, List<JsonObject> olds)
    {
        var current = olds.Sum(Replicas);
        return Math.Max(0, Math.Min(replicas, replicas + MaxSurge(spec, replicas) - current));
    }

    private static int MaxSurge(JsonObject spec, int replicas)
    {
        var ru = KubeObject.Obj(spec, "strategy", "rollingUpdate");
        return KubeObject.Str(KubeObject.Obj(spec, "strategy"), "type") == "Recreate" ? 0 : ResolveIntOrPercent(ru?["maxSurge"] ?? "25%", replicas, roundUp: true);
    }

    private static int MaxUnavailable(JsonObject spec, int replicas)
    {
        var ru = KubeObject.Obj(spec, "strategy", "rollingUpdate");
        var unavailable = ResolveIntOrPercent(ru?["maxUnavailable"] ?? "25%", replicas, roundUp: false);
        if (unavailable == 0 && MaxSurge(spec, replicas) == 0)
        {
            unavailable = 1;
        }

        return Math.Min(unavailable, replicas);
    }

    private JsonObject RollingUpdate(JsonObject spec, int replicas, JsonObject newRs, List<JsonObject> olds)
    {
        var maxSurge = MaxSurge(spec, replicas);
        var maxUnavailable = MaxUnavailable(spec, replicas);

        // Scale up the new ReplicaSet within maxSurge.
        var newReplicas = Replicas(newRs);
        if (newReplicas > replicas)
        {
            newRs = Scale(newRs, replicas);
        }
        else if (newReplicas < replicas)
        {
            var allPods = newReplicas + olds.Sum(Replicas);
            var scaleUp = Math.Min(replicas + maxSurge - allPods, replicas - newReplicas);
            if (scaleUp > 0)
            {
                newRs = Scale(newRs, newReplicas + scaleUp);
            }
        }

        // Scale down old ReplicaSets: unhealthy replicas first, then healthy ones within maxUnavailable.
        var minAvailable = replicas - maxUnavailable;
        var newUnavailable = Replicas(newRs) - Available(newRs);
        var allCount = Replicas(newRs) + olds.Sum(Replicas);
        var maxScaledDown = allCount - minAvailable - newUnavailable;
        if (maxScaledDown <= 0)
        {
            return newRs;
        }

        var ordered = olds.Where(o => Replicas(o) > 0).OrderBy(o => KubeObject.Str(KubeObject.Obj(o, "metadata"), "creationTimestamp"), StringComparer.Ordinal).ToList();
        var cleaned = 0;
        for (var i = 0; i < ordered.Count && cleaned < maxScaledDown; i++)
        {
            var unhealthy = Replicas(ordered[i]) - Available(ordered[i]);
            var down = Math.Min(unhealthy, maxScaledDown - cleaned);
            if (down > 0)
            {
                ordered[i] = Scale(ordered[i], Replicas(ordered[i]) - down);
                cleaned += down;
            }
        }

        var available = Available(newRs) + ordered.Sum(Available);
        var canScale = available - minAvailable;
        for (var i = 0; i < ordered.Count && canScale > 0; i++)
        {
            var down = Math.Min(Replicas(ordered[i]), canScale);
            if (down > 0)
            {
                Scale(ordered[i], Replicas(ordered[i]) - down);
                canScale -= down;
            }
        }

        return newRs;
    }

    private void CleanupHistory(JsonObject spec, List<JsonObject> olds)
    {
        var limit = (int)(KubeObject.Long(spec, "revisionHistoryLimit") ?? 10);
        var idle = olds.Select(o => store.Get(KubeResourceType.ReplicaSets, KubeObject.Namespace(o), KubeObject.Name(o)))
            .Where(o => o is not null && Replicas(o) == 0 && (KubeObject.Long(KubeObject.Obj(o, "status"), "replicas") ?? 0) == 0)
            .OrderBy(o => Revision(o!))
            .ToList();
        foreach (var o in idle.Take(Math.Max(0, idle.Count - limit)))
        {
            DeleteNow(KubeResourceType.ReplicaSets, o!);
        }
    }

    private JsonObject Scale(JsonObject rs, int replicas)
    {
        var current = store.Get(KubeResourceType.ReplicaSets, KubeObject.Namespace(rs), KubeObject.Name(rs)) ?? rs;
        KubeObject.Child(current, "spec")["replicas"] = replicas;
        return store.Put(KubeResourceType.ReplicaSets, current);
    }

    private static int Replicas(JsonObject rs) => (int)(KubeObject.Long(KubeObject.Obj(rs, "spec"), "replicas") ?? 0);

    private static int Available(JsonObject rs) => (int)(KubeObject.Long(KubeObject.Obj(rs, "status"), "availableReplicas") ?? 0);

    private static long Revision(JsonObject rs) =>
        long.TryParse(KubeObject.Annotation(rs, RevisionAnnotation), NumberStyles.Integer, CultureInfo.InvariantCulture, out var r) ? r : 0;

    private static bool TemplateEquals(JsonObject rs, JsonObject template)
    {
        var t = (JsonObject?)KubeObject.Obj(rs, "spec", "template")?.DeepClone();
        if (t is null)
        {
            return false;
        }

        KubeObject.Obj(t, "metadata", "labels")?.Remove(HashLabel);
        var a = (JsonObject)template.DeepClone();
        Normalize(t);
        Normalize(a);
        return Canonical(t) == Canonical(a);

        static void Normalize(JsonObject o)
        {
            var m = KubeObject.Metadata(o);
            m.Remove("creationTimestamp");
            if (m["labels"] is JsonObject { Count: 0 })
            {
                m.Remove("labels");
            }
        }
    }

    private void WriteDeploymentStatus(JsonObject d, List<JsonObject> all, JsonObject? newRs, int replicas, Action<DateTimeOffset> due, string? progressReason = null, string? progressMessage = null)
    {
        var now = KubeObject.Timestamp(Now);
        var spec = KubeObject.Child(d, "spec");
        var oldStatus = (JsonObject)(d["status"]?.DeepClone() ?? new JsonObject());
        int Sum(string field) => all.Sum(rs => (int)(KubeObject.Long(KubeObject.Obj(rs, "status"), field) ?? 0));
        var statusReplicas = Sum("replicas");
        var updated = newRs is null ? 0 : (int)(KubeObject.Long(KubeObject.Obj(newRs, "status"), "replicas") ?? 0);
        var ready = Sum("readyReplicas");
        var available = Sum("availableReplicas");
        var total = all.Sum(Replicas);
        var status = new JsonObject { ["observedGeneration"] = KubeObject.Generation(d) };
        if (statusReplicas > 0)
        {
            status["replicas"] = statusReplicas;
        }

        if (updated > 0)
        {
            status["updatedReplicas"] = updated;
        }

        if (ready > 0)
        {
            status["readyReplicas"] = ready;
        }

        if (available > 0)
        {
            status["availableReplicas"] = available;
        }

        if (total - available > 0)
        {
            status["unavailableReplicas"] = total - available;
        }

        var conditions = (oldStatus["conditions"] as JsonArray)?.OfType<JsonObject>().Select(c => (JsonObject)c.DeepClone()).ToList() ?? [];
        JsonObject? Find(string type) => conditions.FirstOrDefault(c => KubeObject.Str(c, "type") == type);
        void Set(string type, string value, string reason, string message, bool touch)
        {
            var c = Find(type);
            if (c is null)
            {
                c = new JsonObject { ["type"] = type };
                conditions.Add(c);
                c["lastTransitionTime"] = now;
                c["lastUpdateTime"] = now;
            }
            else if (KubeObject.Str(c, "status") != value)
            {
                c["lastTransitionTime"] = now;
                c["lastUpdateTime"] = now;
            }
            else if (touch || KubeObject.Str(c, "reason") != reason)
            {
                c["lastUpdateTime"] = now;
            }

            c["status"] = value;
            c["reason"] = reason;
            c["message"] = message;
        }

        var minAvailable = replicas - MaxUnavailable(spec, replicas);
        if (available >= minAvailable)
        {
            Set("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", touch: false);
        }
        else
        {
            Set("Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.", touch: false);
        }

        var rsName = newRs is null ? string.Empty : KubeObject.Name(newRs);
        var deadline = KubeObject.Long(spec, "progressDeadlineSeconds");
        if (progressReason == "DeploymentPaused" || KubeObject.Bool(spec, "paused") == true)
        {
            Set("Progressing", "Unknown", "DeploymentPaused", "Deployment is paused", touch: false);
        }
        else if (deadline is not null)
        {
            var complete = updated == replicas && statusReplicas == replicas && available == replicas && newRs is not null && Replicas(newRs) == replicas;
            var oldUpdated = (int)(KubeObject.Long(oldStatus, "updatedReplicas") ?? 0);
            var progressed = updated > oldUpdated
                || ready > (KubeObject.Long(oldStatus, "readyReplicas") ?? 0)
                || available > (KubeObject.Long(oldStatus, "availableReplicas") ?? 0)
                || statusReplicas - updated < (KubeObject.Long(oldStatus, "replicas") ?? 0) - oldUpdated;
            var current = Find("Progressing");
            if (complete)
            {
                Set("Progressing", "True", "NewReplicaSetAvailable", $"ReplicaSet \"{rsName}\" has successfully progressed.", touch: false);
            }
            else if (progressReason is not null && progressMessage is not null)
            {
                Set("Progressing", "True", progressReason, progressMessage, touch: true);
            }
            else if (progressed || current is null || KubeObject.Str(current, "reason") == "NewReplicaSetAvailable")
            {
                Set("Progressing", "True", "ReplicaSetUpdated", $"ReplicaSet \"{rsName}\" is progressing.", touch: true);
            }
            else if (KubeObject.Str(current, "reason") != "ProgressDeadlineExceeded")
            {
                var last = KubeObject.ParseTimestamp(KubeObject.Str(current, "lastUpdateTime")) ?? Now;
                var expires = last + TimeSpan.FromSeconds(deadline.Value);
                if (Now >= expires)
                {
                    Set("Progressing", "False", "ProgressDeadlineExceeded", $"ReplicaSet \"{rsName}\" has timed out progressing.", touch: false);
                }
                else
                {
                    due(expires);
                }
            }
        }

        status["conditions"] = new JsonArray(conditions.OrderBy(c => KubeObject.Str(c, "type") == "Available" ? 0 : 1).Cast<JsonNode>().ToArray());
        if (!JsonNode.DeepEquals(oldStatus, status))
        {
            var fresh = store.Get(KubeResourceType.Deployments, KubeObject.Namespace(d), KubeObject.Name(d));
            if (fresh is not null && KubeObject.Generation(fresh) == KubeObject.Generation(d))
            {
                fresh["status"] = status;
                store.Put(KubeResourceType.Deployments, fresh);
            }
        }
    }

    private void SyncReplicaSet(JsonObject rs)
    {
        if (KubeObject.Str(KubeObject.Obj(rs, "metadata"), "deletionTimestamp") is not null)
        {
            return;
        }

        var ns = KubeObject.Namespace(rs);
        var uid = KubeObject.Uid(rs)!;
        var pods = store.List(KubeResourceType.Pods, ns).Where(p => KubeObject.IsOwnedBy(p, uid) && KubeObject.Str(KubeObject.Obj(p, "metadata"), "deletionTimestamp") is null).ToList();
        var want = Replicas(rs);
        for (var i = pods.Count; i < want; i++)
        {
            pods.Add(CreatePod(rs));
        }

        if (pods.Count > want)
        {
            var victims = pods.OrderBy(p => IsReady(p) ? 1 : 0).ThenByDescending(p => KubeObject.Str(KubeObject.Obj(p, "metadata"), "creationTimestamp"), StringComparer.Ordinal).Take(pods.Count - want).ToList();
            foreach (var v in victims)
            {
                DeleteNow(KubeResourceType.Pods, v);
                pods.Remove(v);
            }
        }

        var ready = pods.Count(IsReady);
        var status = new JsonObject { ["replicas"] = pods.Count };
        if (pods.Count > 0)
        {
            status["fullyLabeledReplicas"] = pods.Count;
        }

        if (ready > 0)
        {
            status["readyReplicas"] = ready;
            status["availableReplicas"] = ready;
        }

        status["observedGeneration"] = KubeObject.Generation(rs);
        if (!JsonNode.DeepEquals(rs["status"], status))
        {
            var fresh = store.Get(KubeResourceType.ReplicaSets, ns, KubeObject.Name(rs));
            if (fresh is not null)
            {
                fresh["status"] = status;
                store.Put(KubeResourceType.ReplicaSets, fresh);
            }
        }
    }

    private List<JsonObject> OwnedPods(JsonObject owner) =>
        store.List(KubeResourceType.Pods, KubeObject.Namespace(owner))
            .Where(p => KubeObject.IsOwnedBy(p, KubeObject.Uid(owner)!) && KubeObject.Str(KubeObject.Obj(p, "metadata"), "deletionTimestamp") is null)
            .ToList();

    private static string? PodLabel(JsonObject pod, string key) => KubeObject.Str(KubeObject.Obj(pod, "metadata", "labels"), key);

    private void PutStatus(KubeResourceType type, JsonObject o, JsonObject status)
    {
        if (!JsonNode.DeepEquals(o["status"], status) && store.Get(type, KubeObject.Namespace(o), KubeObject.Name(o)) is { } fresh)
        {
            fresh["status"] = status;
            store.Put(type, fresh);
        }
    }

    /// <summary>
    /// The StatefulSet controller: pods <c>{name}-{ordinal}</c> labelled with their <c>controller-revision-hash</c>;
    /// with <c>OrderedReady</c> a pod is created only when the ones before it are Ready, scale-down removes the highest
    /// ordinal first; a rolling update replaces one pod at a time, from the highest ordinal down to the partition, and
    /// only while every pod is Ready. When every pod is updated and Ready, <c>currentRevision</c> becomes
    /// <c>updateRevision</c>.
    /// </summary>
    private void SyncStatefulSet(JsonObject sts)
    {
        if (KubeObject.Str(KubeObject.Obj(sts, "metadata"), "deletionTimestamp") is not null)
        {
            return;
        }

        var name = KubeObject.Name(sts);
        var spec = KubeObject.Obj(sts, "spec");
        var replicas = (int)(KubeObject.Long(spec, "replicas") ?? 1);
        var parallel = KubeObject.Str(spec, "podManagementPolicy") == "Parallel";
        var strategy = KubeObject.Obj(spec, "updateStrategy");
        var rolling = (KubeObject.Str(strategy, "type") ?? "RollingUpdate") == "RollingUpdate";
        var partition = (int)(KubeObject.Long(KubeObject.Obj(strategy, "rollingUpdate"), "partition") ?? 0);
        var updateRevision = $"{name}-{TemplateHash(KubeObject.Obj(spec, "template") ?? new JsonObject())}";
        var oldStatus = KubeObject.Obj(sts, "status");
        var currentRevision = KubeObject.Str(oldStatus, "currentRevision") ?? updateRevision;
        var pods = OwnedPods(sts).ToDictionary(p => KubeObject.Name(p), StringComparer.Ordinal);

        JsonObject? Pod(int i) => pods.GetValueOrDefault($"{name}-{i}");
        void Create(int i, string revision) => pods[$"{name}-{i}"] = CreatePod(KubeResourceType.StatefulSets, sts, $"{name}-{i}", new Dictionary<string, string>
        {
            ["controller-revision-hash"] = revision,
            ["statefulset.kubernetes.io/pod-name"] = $"{name}-{i}",
            ["apps.kubernetes.io/pod-index"] = i.ToString(CultureInfo.InvariantCulture),
        });

        // Scale down: the highest ordinals go first, one at a time with OrderedReady.
        foreach (var extra in pods.Values.Where(p => Ordinal(name, p) >= replicas).OrderByDescending(p => Ordinal(name, p)).ToList())
        {
            DeleteNow(KubeResourceType.Pods, extra);
            pods.Remove(KubeObject.Name(extra));
            if (!parallel)
            {
                break;
            }
        }

        // Missing ordinals are created at the revision their ordinal should run: updated above the partition.
        for (var i = 0; i < replicas; i++)
        {
            if (Pod(i) is null)
            {
                Create(i, !rolling || i >= partition ? updateRevision : currentRevision);
                if (!parallel)
                {
                    break;
                }
            }
            else if (!parallel && !IsReady(Pod(i)!))
            {
                break;
            }
        }

        // Rolling update: the highest ordinal not yet updated is deleted (and recreated on the next pass) once all are Ready.
        if (rolling && pods.Count == replicas && pods.Values.All(IsReady))
        {
            for (var i = replicas - 1; i >= partition; i--)
            {
                if (Pod(i) is { } p && PodLabel(p, "controller-revision-hash") != updateRevision)
                {
                    DeleteNow(KubeResourceType.Pods, p);
                    pods.Remove(KubeObject.Name(p));
                    Create(i, updateRevision);
                    break;
                }
            }
        }

        var all = pods.Values.ToList();
        var ready = all.Count(IsReady);
        var updated = all.Count(p => PodLabel(p, "controller-revision-hash") == updateRevision);
        if (updated == replicas && all.Count == replicas && ready == replicas)
        {
            currentRevision = updateRevision;
        }

        var status = new JsonObject
        {
            ["observedGeneration"] = KubeObject.Generation(sts),
            ["replicas"] = all.Count,
            ["readyReplicas"] = ready,
            ["currentReplicas"] = all.Count(p => PodLabel(p, "controller-revision-hash") == currentRevision),
            ["updatedReplicas"] = updated,
            ["currentRevision"] = currentRevision,
            ["updateRevision"] = updateRevision,
            ["collisionCount"] = 0,
            ["availableReplicas"] = ready,
        };
        foreach (var omitted in new[] { "readyReplicas", "currentReplicas", "updatedReplicas" }.Where(f => status[f]!.GetValue<int>() == 0))
        {
            // omitempty in the real type.
            status.Remove(omitted);
        }

        PutStatus(KubeResourceType.StatefulSets, sts, status);
    }

    private static int Ordinal(string name, JsonObject pod) =>
        int.TryParse(KubeObject.Name(pod).AsSpan(name.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : int.MaxValue;

    /// <summary>
    /// The DaemonSet controller on the sandbox's one node: one pod, labelled with its <c>controller-revision-hash</c>
    /// and <c>pod-template-generation</c>; a rolling update deletes the old pod and creates the updated one
    /// (<c>maxUnavailable</c> 1, the default); <c>OnDelete</c> replaces a pod only when it was deleted.
    /// </summary>
    private void SyncDaemonSet(JsonObject ds)
    {
        if (KubeObject.Str(KubeObject.Obj(ds, "metadata"), "deletionTimestamp") is not null)
        {
            return;
        }

        var spec = KubeObject.Obj(ds, "spec");
        var hash = TemplateHash(KubeObject.Obj(spec, "template") ?? new JsonObject());
        var rolling = (KubeObject.Str(KubeObject.Obj(spec, "updateStrategy"), "type") ?? "RollingUpdate") == "RollingUpdate";
        var pods = OwnedPods(ds);
        if (rolling)
        {
            foreach (var old in pods.Where(p => PodLabel(p, "controller-revision-hash") != hash).ToList())
            {
                DeleteNow(KubeResourceType.Pods, old);
                pods.Remove(old);
            }
        }

        if (pods.Count == 0)
        {
            pods.Add(CreatePod(KubeResourceType.DaemonSets, ds, null, new Dictionary<string, string>
            {
                ["controller-revision-hash"] = hash,
                ["pod-template-generation"] = KubeObject.Generation(ds).ToString(CultureInfo.InvariantCulture),
            }));
        }

        var ready = pods.Count(IsReady);
        var updated = pods.Count(p => PodLabel(p, "controller-revision-hash") == hash);
        var status = new JsonObject
        {
            ["currentNumberScheduled"] = pods.Count,
            ["desiredNumberScheduled"] = 1,
            ["numberMisscheduled"] = 0,
            ["numberReady"] = ready,
            ["observedGeneration"] = KubeObject.Generation(ds),
            ["updatedNumberScheduled"] = updated,
            ["numberAvailable"] = ready,
        };
        if (ready < 1)
        {
            // omitempty in the real type.
            status.Remove("numberAvailable");
            status["numberUnavailable"] = 1 - ready;
        }

        if (updated == 0)
        {
            status.Remove("updatedNumberScheduled");
        }

        PutStatus(KubeResourceType.DaemonSets, ds, status);
    }

    private static bool IsReady(JsonObject pod) =>
        KubeObject.Arr(pod, "status", "conditions")?.OfType<JsonObject>().Any(c => KubeObject.Str(c, "type") == "Ready" && KubeObject.Str(c, "status") == "True") == true;

    private JsonObject CreatePod(JsonObject rs) => CreatePod(KubeResourceType.ReplicaSets, rs, null, null);

    /// <summary>Creates a pod from <paramref name="owner"/>'s template: named <paramref name="name"/> or generated, with extra labels.</summary>
    private JsonObject CreatePod(KubeResourceType ownerType, JsonObject owner, string? name, Dictionary<string, string>? labels)
    {
        var rs = owner;
        var template = (JsonObject)(KubeObject.Obj(rs, "spec", "template")?.DeepClone() ?? new JsonObject());
        var tm = KubeObject.Metadata(template);
        var suffix = new string(Enumerable.Range(0, 5).Select(_ => Alphanums[RandomNumberGenerator.GetInt32(Alphanums.Length)]).ToArray());
        var podLabels = tm["labels"]?.DeepClone() as JsonObject ?? new JsonObject();
        foreach (var (k, v) in labels ?? [])
        {
            podLabels[k] = v;
        }

        var spec = KubeObject.Child(template, "spec");
        spec["nodeName"] = "sandbox-node-1";
        spec["serviceAccountName"] ??= "default";
        spec["enableServiceLinks"] ??= true;
        spec["preemptionPolicy"] ??= "PreemptLowerPriority";
        spec["priority"] ??= 0;
        var now = KubeObject.Timestamp(Now);
        var pod = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject
            {
                ["name"] = name ?? $"{KubeObject.Name(rs)}-{suffix}",
                ["generateName"] = $"{KubeObject.Name(rs)}-",
                ["namespace"] = KubeObject.Namespace(rs),
                ["uid"] = Guid.NewGuid().ToString(),
                ["creationTimestamp"] = now,
                ["labels"] = podLabels.Count == 0 ? null : podLabels,
                ["ownerReferences"] = new JsonArray(KubeObject.OwnerReference(ownerType, rs)),
            },
            ["spec"] = spec.DeepClone(),
            ["status"] = new JsonObject
            {
                ["phase"] = "Pending",
                ["conditions"] = new JsonArray(new JsonObject { ["type"] = "PodScheduled", ["status"] = "True", ["lastProbeTime"] = null, ["lastTransitionTime"] = now }),
                ["qosClass"] = "BestEffort",
            },
        };
        if (tm["annotations"] is JsonObject annotations)
        {
            KubeObject.Metadata(pod)["annotations"] = annotations.DeepClone();
        }

        var stored = store.Put(KubeResourceType.Pods, pod);
        podStarted[KubeObject.Uid(stored)!] = Now;
        return stored;
    }

    private void SyncPod(JsonObject pod, Action<DateTimeOffset> due)
    {
        var uid = KubeObject.Uid(pod)!;
        if (!podStarted.TryGetValue(uid, out var started))
        {
            started = KubeObject.ParseTimestamp(KubeObject.Str(KubeObject.Obj(pod, "metadata"), "creationTimestamp")) ?? Now;
            podStarted[uid] = started;
        }

        var containers = KubeObject.Arr(pod, "spec", "containers")?.OfType<JsonObject>().ToList() ?? [];
        var failing = containers.Any(c => ImageName(KubeObject.Str(c, "image")).StartsWith("fail-", StringComparison.Ordinal));
        var readyAt = started + options.PodReadyDelay;
        var status = KubeObject.Child(pod, "status");
        if (Now < readyAt)
        {
            due(readyAt);
            return;
        }

        if (KubeObject.Str(status, "phase") == "Running" && !failing)
        {
            return;
        }

        var restarts = failing ? (int)Math.Max(1, (Now - readyAt).TotalSeconds / Math.Max(options.CrashLoopRestartInterval.TotalSeconds, 0.001)) : 0;
        if (failing && KubeObject.Str(status, "phase") == "Running" && KubeObject.Long(KubeObject.Arr(status, "containerStatuses")?[0] as JsonObject, "restartCount") == restarts)
        {
            due(readyAt + (options.CrashLoopRestartInterval * (restarts + 1)));
            return;
        }

        var now = KubeObject.Timestamp(Now);
        var startedAt = KubeObject.Timestamp(readyAt);
        var statuses = new JsonArray();
        foreach (var c in containers)
        {
            var image = KubeObject.Str(c, "image") ?? string.Empty;
            var cs = new JsonObject
            {
                ["name"] = KubeObject.Str(c, "name"),
                ["image"] = image,
                ["imageID"] = $"docker.io/library/{image}@sha256:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(image)))}",
                ["containerID"] = $"containerd://{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(uid + KubeObject.Str(c, "name"))))}",
                ["started"] = !failing,
                ["ready"] = !failing,
                ["restartCount"] = restarts,
            };
            if (failing)
            {
                cs["state"] = new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "CrashLoopBackOff", ["message"] = $"back-off 10s restarting failed container={KubeObject.Str(c, "name")} pod={KubeObject.Name(pod)}_{KubeObject.Namespace(pod)}({uid})" } };
                cs["lastState"] = new JsonObject { ["terminated"] = new JsonObject { ["exitCode"] = 1, ["reason"] = "Error", ["startedAt"] = startedAt, ["finishedAt"] = now, ["containerID"] = cs["containerID"]?.DeepClone() } };
            }
            else
            {
                cs["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = startedAt } };
                cs["lastState"] = new JsonObject();
            }

            statuses.Add(cs);
        }

        var created = KubeObject.Str(KubeObject.Obj(pod, "metadata"), "creationTimestamp");
        var readyValue = failing ? "False" : "True";
        JsonObject Condition(string type, string value, string at)
        {
            var c = new JsonObject { ["type"] = type, ["status"] = value, ["lastProbeTime"] = null, ["lastTransitionTime"] = at };
            if (value == "False")
            {
                c["reason"] = "ContainersNotReady";
                c["message"] = $"containers with unready status: [{string.Join(" ", containers.Select(x => KubeObject.Str(x, "name")))}]";
            }

            return c;
        }

        var ip = PodIp(pod);
        status["phase"] = "Running";
        status["conditions"] = new JsonArray(
            Condition("PodReadyToStartContainers", "True", startedAt),
            Condition("Initialized", "True", created ?? now),
            Condition("Ready", readyValue, startedAt),
            Condition("ContainersReady", readyValue, startedAt),
            Condition("PodScheduled", "True", created ?? now));
        status["hostIP"] = "10.0.0.10";
        status["hostIPs"] = new JsonArray(new JsonObject { ["ip"] = "10.0.0.10" });
        status["podIP"] = ip;
        status["podIPs"] = new JsonArray(new JsonObject { ["ip"] = ip });
        status["startTime"] = created ?? now;
        status["containerStatuses"] = statuses;
        store.Put(KubeResourceType.Pods, pod);
        if (failing)
        {
            due(readyAt + (options.CrashLoopRestartInterval * (restarts + 1)));
        }
    }

    private string PodIp(JsonObject pod)
    {
        if (KubeObject.Str(KubeObject.Obj(pod, "status"), "podIP") is { } existing)
        {
            return existing;
        }

        var n = Interlocked.Increment(ref podIp);
        return $"10.244.{(n / 250) % 250}.{(n % 250) + 2}";
    }

    /// <summary>Returns the repository's last path segment of an image reference: <c>fail-app</c> for <c>reg/x/fail-app:1</c>.</summary>
    public static string ImageName(string? image)
    {
        var s = image ?? string.Empty;
        var at = s.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            s = s[..at];
        }

        var slash = s.LastIndexOf('/');
        s = s[(slash + 1)..];
        var colon = s.IndexOf(':', StringComparison.Ordinal);
        return colon >= 0 ? s[..colon] : s;
    }
}
