using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Secrets;
using Workflows.Kubernetes.Access;
using Workflows.Kubernetes.Client;
using Workflows.Kubernetes.Manifests;

namespace Workflows.Kubernetes.Actions;

/// <summary>Inputs of <c>kubernetes.apply</c>.</summary>
public sealed record ApplyInputs : ManifestInputs
{
    /// <summary>Gets whether the namespaces the objects live in are created when missing (and deleted again by undo). Default is false.</summary>
    public bool CreateNamespace { get; init; }
}

/// <summary>An object <c>kubernetes.apply</c> applied.</summary>
/// <param name="ApiVersion">Its API version.</param>
/// <param name="Kind">Its kind.</param>
/// <param name="Namespace">Its namespace (null when cluster-scoped).</param>
/// <param name="Name">Its name.</param>
/// <param name="Uid">Its uid.</param>
/// <param name="Generation">Its <c>metadata.generation</c> after the apply (what a rollout waits for).</param>
/// <param name="Created">Whether the step created it (false: it existed and was updated or unchanged).</param>
public sealed record AppliedObject(string ApiVersion, string Kind, string? Namespace, string Name, string Uid, long Generation, bool Created);

/// <summary>Outputs of <c>kubernetes.apply</c>.</summary>
/// <param name="Cluster">The API server's URL.</param>
/// <param name="Context">The kubeconfig context used.</param>
/// <param name="Objects">The applied objects, in order.</param>
public sealed record ApplyOutputs(string Cluster, string Context, IReadOnlyList<AppliedObject> Objects);

/// <summary>
/// <c>kubernetes.apply</c>: <c>kubectl apply --server-side --force-conflicts -f</c> under our field manager. The first
/// execution records every object's previous state (or that it was absent) in the step state and commits it before
/// applying anything; the next applies, records each object in the resource ledger and completes. A second execution
/// after a crash applies the same objects again (server-side apply is by name: nothing is duplicated). A retry (a new
/// attempt, whose state starts empty) reads the state from before the first attempt back from the
/// <see cref="PreviousStateAnnotation"/> the first attempt wrote on each object, so undo still restores what was there
/// before the step, not what the step itself wrote.
/// </summary>
public sealed class ApplyAction(IKubernetesClientFactory clients, ManifestSource manifests, IOptions<KubernetesOptions> options, ISecretProtector protector)
    : KubernetesAction<ApplyInputs, ApplyOutputs>(clients), IPlannableAction<ApplyInputs>
{
    /// <summary>The annotation that keeps an applied object's state from before the step, for a retry of the step.</summary>
    public const string PreviousStateAnnotation = "workflows.io/previous-state";

    /// <summary>The value of <see cref="PreviousStateAnnotation"/> on an object the step created.</summary>
    internal const string Absent = "absent";

    /// <summary>The prefix of a sealed (encrypted) previous state, for Secrets.</summary>
    internal const string SealedPrefix = "sealed:";

    /// <summary>Previous states larger than this are not copied into the annotation (all annotations of an object share 256 KiB).</summary>
    internal const int MaxAnnotationChars = 128 * 1024;

    private static readonly string[] ServerSetMetadata = ["managedFields", "resourceVersion", "uid", "creationTimestamp", "generation", "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds"];

    /// <inheritdoc />
    protected override string Describe(ApplyInputs inputs) => "Applying the manifest";

    /// <inheritdoc />
    protected override async Task<StepResult> ExecuteAsync(ApplyInputs inputs, StepContext context, KubernetesApiClient client)
    {
        var ct = context.CancellationToken;
        var objects = await manifests.ReadAsync(inputs, ct);
        var state = context.GetState<ApplyState>();
        if (state is null)
        {
            state = await CaptureAsync(inputs, objects, context, client);
            return StepResult.Pending(TimeSpan.Zero, $"previous state of {state.Objects.Count} objects recorded", state);
        }

        var applied = new List<AppliedObject>();
        foreach (var target in state.Objects)
        {
            var source = target.Implicit ? null : objects.FirstOrDefault(o => o.Document == target.Document)
                ?? throw new StepFailedException("kubernetes.manifest", $"The manifest changed between two executions of the step: document {target.Document} ({target.Ref}) is gone.", retryable: false);
            var body = source?.Body.DeepClone().AsObject() ?? new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = target.Name } };
            var metadata = body["metadata"]!.AsObject();
            if (target.Namespace is not null)
            {
                metadata["namespace"] = target.Namespace;
            }

            var annotations = metadata["annotations"] as JsonObject ?? new JsonObject();
            annotations[KubernetesAction<ApplyInputs, ApplyOutputs>.AppliedByAnnotation] = context.IdempotencyKey;
            if (Kept(target) is { } kept)
            {
                annotations[PreviousStateAnnotation] = kept;
            }
            else if (target.Previous is not null || target.SealedPrevious is not null)
            {
                context.Log.WriteLine($"{target.Ref}: its previous state is too large to keep on the object; undo of this attempt restores it, a retry of the step could not");
            }
            metadata["annotations"] = annotations;

            JsonObject live;
            try
            {
                live = await client.ApplyAsync(target.Ref, target.Resource, body, options.Value.FieldManager, ct);
            }
            catch (KubernetesApiException ex)
            {
                throw KubernetesErrors.Translate(ex, $"Applying {target.Ref} on {client.Access}", source);
            }

            var uid = live["metadata"]?["uid"]?.GetValue<string>() ?? string.Empty;
            var generation = Rollout.RolloutStatus.Number(live["metadata"], "generation") ?? 0;
            var properties = new Dictionary<string, string>
            {
                ["apiVersion"] = target.ApiVersion,
                ["kind"] = target.Kind,
                ["namespace"] = target.Namespace ?? string.Empty,
                ["uid"] = uid,
                ["previous"] = target.Existed ? "existing" : "absent",
            };

            // How the step reached the cluster (a file and a context, never credentials), for the clean-up and the check.
            foreach (var (key, value) in ClusterLocator.Identity(inputs, client.Access))
            {
                properties[key] = value;
            }

            await context.Resources.RecordAsync(new ResourceRecord(target.Ref.LedgerKind, target.Ref.LedgerId, target.Name, state.Cluster, properties), ct);
            var verb = !target.Existed ? "created"
                : live["metadata"]?["resourceVersion"]?.GetValue<string>() == target.ResourceVersion ? "unchanged"
                : "configured";
            context.Log.WriteLine($"{target.Ref} {verb} (generation {generation}) on {client.Access}");
            applied.Add(new AppliedObject(target.ApiVersion, target.Kind, target.Namespace, target.Name, uid, generation, !target.Existed));
        }

        return Completed(new ApplyOutputs(client.Access.Server, client.Access.Context, applied));
    }

    /// <summary>Returns the <see cref="PreviousStateAnnotation"/> for an object, or null when its previous state is not kept.</summary>
    internal static string? Kept(PreviousObject target) =>
        !target.Existed ? Absent
        : target.SealedPrevious is { } sealedPrevious ? Fits(SealedPrefix + sealedPrevious)
        : target.Previous is { } previous ? Fits(previous.ToJsonString())
        : null;

    private static string? Fits(string value) => value.Length <= MaxAnnotationChars ? value : null;

    private async Task<ApplyState> CaptureAsync(ApplyInputs inputs, IReadOnlyList<ManifestObject> objects, StepContext context, KubernetesApiClient client)
    {
        var ct = context.CancellationToken;
        var state = new ApplyState { Cluster = client.Access.Server };
        var targets = new List<PreviousObject>();
        foreach (var o in objects)
        {
            var resource = await client.ResolveAsync(o.ApiVersion, o.Kind, ct)
                ?? throw new StepFailedException("kubernetes.manifest", $"manifest {o.Where("kind")}: {client.Access} serves no kind '{o.Kind}' in '{o.ApiVersion}'.", retryable: false);
            var r = o.RefIn(resource, client.Access.DefaultNamespace);
            if (targets.Any(t => t.Ref == r))
            {
                throw new StepFailedException("kubernetes.manifest", $"manifest {o.Where("metadata.name")}: {r} appears twice in the manifest.", retryable: false);
            }

            targets.Add(new PreviousObject { Document = o.Document, ApiVersion = r.ApiVersion, Kind = r.Kind, Namespace = r.Namespace, Name = r.Name, Plural = resource.Plural, Namespaced = resource.Namespaced });
        }

        if (inputs.CreateNamespace)
        {
            var declared = targets.Where(t => t.Kind == "Namespace" && t.ApiVersion == "v1").Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
            var implicitNamespaces = targets.Where(t => t.Namespace is not null && !declared.Contains(t.Namespace)).Select(t => t.Namespace!).Distinct(StringComparer.Ordinal)
                .Select(ns => new PreviousObject { ApiVersion = "v1", Kind = "Namespace", Name = ns, Plural = "namespaces", Namespaced = false, Implicit = true })
                .ToList();
            targets.InsertRange(0, implicitNamespaces);
        }

        // Namespaces the manifest declares go first too, so the objects in them can be applied.
        state.Objects = [.. targets.Where(t => t.Kind == "Namespace" && t.ApiVersion == "v1"), .. targets.Where(t => !(t.Kind == "Namespace" && t.ApiVersion == "v1"))];
        var ledger = await context.Resources.ListForRunAsync(ct);
        foreach (var target in state.Objects.ToList())
        {
            var live = await client.GetAsync(target.Ref, target.Resource, ct);
            var ours = live?["metadata"]?["annotations"]?[KubernetesAction<ApplyInputs, ApplyOutputs>.AppliedByAnnotation]?.GetValue<string>() == context.IdempotencyKey;
            if (live is not null && target.Implicit && !ours)
            {
                // createNamespace only creates what is missing; an existing namespace is neither applied nor undone
                // (unless an earlier attempt of this step created it: then it is ours to delete).
                state.Objects.Remove(target);
                continue;
            }

            if (live is null)
            {
                context.Log.WriteLine($"{target.Ref}: absent before this step (undo deletes it)");
                continue;
            }

            target.Existed = true;
            target.ResourceVersion = live["metadata"]?["resourceVersion"]?.GetValue<string>();
            if (ours)
            {
                // An earlier attempt of this very step applied it (the state of that attempt is gone): the object itself
                // says what it was before that attempt, and failing that, the ledger whether it existed.
                Readopt(target, live, ledger, state.Cluster, context);
                continue;
            }

            if (target.Kind == "Secret" && target.ApiVersion == "v1")
            {
                target.SealedPrevious = protector.Protect(Strip(live).ToJsonString());
                context.Log.WriteLine($"{target.Ref}: exists (resourceVersion {live["metadata"]?["resourceVersion"]}); recorded sealed for undo (its data is never kept in the clear)");
                continue;
            }

            target.Previous = Strip(live);
            context.Log.WriteLine($"{target.Ref}: exists (resourceVersion {live["metadata"]?["resourceVersion"]}); recorded for undo");
        }

        return state;
    }

    private static void Readopt(PreviousObject target, JsonObject live, IReadOnlyList<ResourceEntry> ledger, string cluster, StepContext context)
    {
        var kept = live["metadata"]?["annotations"]?[PreviousStateAnnotation]?.GetValue<string>();
        if (kept == Absent)
        {
            target.Existed = false;
            context.Log.WriteLine($"{target.Ref}: created by an earlier attempt of this step (undo deletes it)");
            return;
        }

        if (kept is not null && kept.StartsWith(SealedPrefix, StringComparison.Ordinal))
        {
            target.SealedPrevious = kept[SealedPrefix.Length..];
            context.Log.WriteLine($"{target.Ref}: updated by an earlier attempt of this step; its sealed state from before that attempt is recorded for undo");
            return;
        }

        if (kept is not null)
        {
            try
            {
                target.Previous = JsonNode.Parse(kept) as JsonObject;
            }
            catch (System.Text.Json.JsonException)
            {
                target.Previous = null;
            }

            if (target.Previous is not null)
            {
                context.Log.WriteLine($"{target.Ref}: updated by an earlier attempt of this step; its state from before that attempt is recorded for undo");
                return;
            }
        }

        var entry = ledger.FirstOrDefault(e => target.Ref.IsLedgerRow(e.Kind, e.ExternalId, e.Properties) && e.Provider == cluster);
        if (entry is not null && entry.Properties.TryGetValue("previous", out var previous) && previous == Absent)
        {
            target.Existed = false;
            context.Log.WriteLine($"{target.Ref}: created by an earlier attempt of this step (undo deletes it)");
            return;
        }

        target.NotKept = "an earlier attempt of this step already changed it";
        context.Log.WriteLine($"{target.Ref}: already updated by an earlier attempt of this step; its state before that attempt is not known, undo will leave it");
    }

    /// <inheritdoc />
    /// <remarks>
    /// For each object of the manifest: the kind is served, the live object is read, and a server-side apply with
    /// <c>dryRun=All</c> says what the API server would store (admission, defaulting and validation run, nothing is
    /// persisted); the diff between the two is the plan. A Secret's values are never shown. Cannot know in advance:
    /// whether the rollout will become ready (images, probes, capacity).
    /// </remarks>
    public async Task<StepPlan> PlanAsync(ApplyInputs inputs, PlanContext context)
    {
        var plan = new StepPlanBuilder();
        foreach (var field in new[] { "manifest", "manifestPath", "kubeconfig", "kubeconfigPath", "context", "namespace" })
        {
            if (context.WhenKnown(field) is { } when)
            {
                plan.Deferred(field, $"'{field}' is {when}: the objects cannot be read yet");
                return plan.Build(PlanAction.Unknown, $"apply a manifest whose {field} is {when}");
            }
        }

        var ct = context.CancellationToken;
        IReadOnlyList<Manifests.ManifestObject> objects;
        KubernetesApiClient client;
        try
        {
            objects = await manifests.ReadAsync(inputs, ct);
            client = Clients.Create(inputs, context.Audit);
        }
        catch (StepFailedException e)
        {
            plan.Error("manifest", e.ErrorCode == "kubernetes.kubeconfig" ? "with.kubeconfig" : "with.manifest", e.Message);
            return plan.Build(PlanAction.Unknown, "apply a manifest that cannot be read");
        }

        using (client)
        {
            plan.Passed("cluster", client.Access.ToString());
            var actions = new List<PlanAction>();
            var namespaces = new HashSet<string>(StringComparer.Ordinal);
            try
            {
                foreach (var o in objects)
                {
                    var resource = await client.ResolveAsync(o.ApiVersion, o.Kind, ct);
                    if (resource is null)
                    {
                        plan.Error(o.Kind, "with.manifest", $"manifest {o.Where("kind")}: {client.Access} serves no kind '{o.Kind}' in '{o.ApiVersion}'");
                        continue;
                    }

                    var target = o.RefIn(resource, client.Access.DefaultNamespace);
                    if (inputs.CreateNamespace && target.Namespace is { } ns && namespaces.Add(ns)
                        && !objects.Any(x => x.Kind == "Namespace" && x.ApiVersion == "v1" && x.Name == ns)
                        && await client.GetAsync(new ObjectRef("v1", "Namespace", null, ns), new ResourceInfo("namespaces", false), ct) is null)
                    {
                        plan.Resource("kubernetes.namespace", ns, PlanAction.Create);
                        actions.Add(PlanAction.Create);
                    }

                    var live = await client.GetAsync(target, resource, ct);
                    var body = o.Body.DeepClone().AsObject();
                    if (target.Namespace is not null)
                    {
                        body["metadata"]!["namespace"] = target.Namespace;
                    }

                    JsonObject? dry = null;
                    if (live is not null || !inputs.CreateNamespace || target.Namespace is null || !namespaces.Contains(target.Namespace) || await client.GetAsync(new ObjectRef("v1", "Namespace", null, target.Namespace), new ResourceInfo("namespaces", false), ct) is not null)
                    {
                        try
                        {
                            dry = await client.ApplyDryRunAsync(target, resource, body, options.Value.FieldManager, ct);
                            plan.Passed(target.ToString(), "the API server accepts it (server-side dry run)");
                        }
                        catch (KubernetesApiException ex)
                        {
                            plan.Error(target.ToString(), "with.manifest", KubernetesErrors.Translate(ex, $"Dry run of {target} on {client.Access}", o).Message);
                            continue;
                        }
                    }
                    else
                    {
                        plan.Deferred(target.ToString(), $"its namespace {target.Namespace} is created first: the API server checks it then");
                    }

                    var secret = o.Kind == "Secret" && o.ApiVersion == "v1";
                    if (live is null)
                    {
                        var created = Flatten(Strip(dry ?? body), secret);
                        plan.Resource(target.LedgerKind, target.LedgerId, PlanAction.Create, created.Where(kv => !kv.Key.StartsWith("metadata.", StringComparison.Ordinal) || kv.Key.StartsWith("metadata.labels", StringComparison.Ordinal)).ToDictionary(kv => kv.Key, kv => kv.Value));
                        actions.Add(PlanAction.Create);
                        continue;
                    }

                    var before = Flatten(Strip(live), secret);
                    var after = Flatten(Strip(dry!), secret);
                    var changes = before.Keys.Union(after.Keys).Order(StringComparer.Ordinal)
                        .Where(k => before.GetValueOrDefault(k) != after.GetValueOrDefault(k))
                        .Select(k => new PlanChange(k, before.GetValueOrDefault(k), after.GetValueOrDefault(k)))
                        .ToList();
                    var action = changes.Count == 0 ? PlanAction.NoChange : PlanAction.Update;
                    plan.Resource(target.LedgerKind, target.LedgerId, action, new Dictionary<string, string> { ["resourceVersion"] = live["metadata"]?["resourceVersion"]?.GetValue<string>() ?? string.Empty }, changes);
                    actions.Add(action);
                }
            }
            catch (KubernetesApiException ex)
            {
                plan.Error("cluster", "with.kubeconfig", KubernetesErrors.Translate(ex, $"Reading the cluster {client.Access}").Message);
                return plan.Build(PlanAction.Unknown, $"apply {objects.Count} objects on {client.Access}");
            }

            var overall = actions.Contains(PlanAction.Update) ? PlanAction.Update : actions.Contains(PlanAction.Create) ? PlanAction.Create : plan.HasErrors ? PlanAction.Unknown : PlanAction.NoChange;
            return plan.Build(overall, $"apply {objects.Count} objects server-side on {client.Access}: {actions.Count(a => a == PlanAction.Create)} to create, {actions.Count(a => a == PlanAction.Update)} to change, {actions.Count(a => a == PlanAction.NoChange)} unchanged");
        }
    }

    /// <summary>Flattens an object to <c>path → value</c> lines for a diff; our own annotations are left out, a Secret's values are masked.</summary>
    internal static Dictionary<string, string> Flatten(JsonObject o, bool secret)
    {
        var lines = new Dictionary<string, string>(StringComparer.Ordinal);
        void Walk(JsonNode? n, string path)
        {
            switch (n)
            {
                case JsonObject obj:
                    foreach (var (k, child) in obj)
                    {
                        if (path == "metadata.annotations" && (k == KubernetesAction<ApplyInputs, ApplyOutputs>.AppliedByAnnotation || k == PreviousStateAnnotation))
                        {
                            continue;
                        }

                        Walk(child, path.Length == 0 ? k : $"{path}.{k}");
                    }

                    break;
                case JsonArray arr:
                    for (var i = 0; i < arr.Count; i++)
                    {
                        Walk(arr[i], $"{path}[{i}]");
                    }

                    break;
                default:
                    lines[path] = secret && (path.StartsWith("data.", StringComparison.Ordinal) || path.StartsWith("stringData.", StringComparison.Ordinal))
                        ? "(sensitive value)"
                        : n is JsonValue v && v.TryGetValue(out string? text) ? text : n?.ToJsonString() ?? "null";
                    break;
            }
        }

        Walk(o, string.Empty);
        return lines;
    }

    /// <summary>Returns the object as it can be applied again: no status, no server-set metadata.</summary>
    internal static JsonObject Strip(JsonObject live)
    {
        var copy = live.DeepClone().AsObject();
        copy.Remove("status");
        if (copy["metadata"] is JsonObject metadata)
        {
            foreach (var field in ServerSetMetadata)
            {
                metadata.Remove(field);
            }

            if (metadata["annotations"] is JsonObject annotations)
            {
                annotations.Remove("deployment.kubernetes.io/revision");
                annotations.Remove(PreviousStateAnnotation);
            }
        }

        return copy;
    }
}
