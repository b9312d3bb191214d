using Workflows.Abstractions.Actions;
using Workflows.Kubernetes.Client;

namespace Workflows.Kubernetes.Actions;

/// <summary>An object a step deleted and waits to be gone.</summary>
public sealed class DeletingObject
{
    /// <summary>Gets or sets the API version.</summary>
    public string ApiVersion { get; set; } = string.Empty;

    /// <summary>Gets or sets the kind.</summary>
    public string Kind { get; set; } = string.Empty;

    /// <summary>Gets or sets the namespace.</summary>
    public string? Namespace { get; set; }

    /// <summary>Gets or sets the name.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Gets or sets the resource name in URLs.</summary>
    public string Plural { get; set; } = string.Empty;

    /// <summary>Gets or sets whether the kind is namespaced.</summary>
    public bool Namespaced { get; set; }

    /// <summary>Gets or sets the uid of the object deleted (a new object of the same name is not waited for).</summary>
    public string? Uid { get; set; }

    /// <summary>Gets or sets whether it is gone.</summary>
    public bool Gone { get; set; }

    /// <summary>
    /// Gets or sets the kind of its ledger row when that row was recorded before ledger kinds carried the API group
    /// (<see cref="ObjectRef.LegacyLedgerKind"/>), so that row is marked deleted too; null otherwise.
    /// </summary>
    public string? LegacyLedgerKind { get; set; }

    /// <summary>Returns the reference.</summary>
    public ObjectRef Ref => new(ApiVersion, Kind, Namespace, Name);

    /// <summary>Returns where its kind is served.</summary>
    public ResourceInfo Resource => new(Plural, Namespaced);
}

/// <summary>An object to delete.</summary>
/// <param name="Target">The object.</param>
/// <param name="Resource">Where its kind is served.</param>
/// <param name="LegacyLedgerKind">The kind of its ledger row when recorded before ledger kinds carried the API group, or null.</param>
public sealed record DeleteTarget(ObjectRef Target, ResourceInfo Resource, string? LegacyLedgerKind = null);

/// <summary>Deleting and waiting until objects are gone, shared by <c>kubernetes.delete</c>, <c>kubernetes.object.delete</c> and <c>kubernetes.undo</c>.</summary>
public static class GoneWatch
{
    /// <summary>The propagation policies a delete accepts.</summary>
    public static readonly IReadOnlyList<string> PropagationPolicies = ["Background", "Foreground", "Orphan"];

    /// <summary>Returns the failure of a step given an unknown propagation policy, or null when it is one of <see cref="PropagationPolicies"/>.</summary>
    /// <param name="propagationPolicy">The step's <c>propagationPolicy</c> input.</param>
    public static StepResult? CheckPolicy(string propagationPolicy) =>
        PropagationPolicies.Contains(propagationPolicy, StringComparer.Ordinal)
            ? null
            : StepResult.Failed("inputs.invalid", $"propagationPolicy: '{propagationPolicy}' is not one of {string.Join(", ", PropagationPolicies)}.", retryable: false);

    /// <summary>
    /// One execution of a delete-and-wait step: on the first, resolves <paramref name="targets"/> and sends their deletes
    /// (an object already absent is listed as such); on every one, checks which deleted objects are gone and completes with
    /// <see cref="DeleteOutputs"/> once none is left (at once when <paramref name="wait"/> is false), else asks to be polled again.
    /// </summary>
    /// <param name="client">The cluster's client.</param>
    /// <param name="context">The step's context; its state is a <see cref="DeleteState"/> between polls.</param>
    /// <param name="targets">Returns the objects to delete with where their kinds are served; called on the first execution only.</param>
    /// <param name="propagationPolicy">How dependents are deleted.</param>
    /// <param name="wait">Whether to wait until the objects are gone.</param>
    /// <param name="pollDelay">The delay before the next poll, given how many polls came before.</param>
    public static async Task<StepResult> StepAsync(
        KubernetesApiClient client,
        StepContext context,
        Func<CancellationToken, Task<IReadOnlyList<DeleteTarget>>> targets,
        string propagationPolicy,
        bool wait,
        Func<int, TimeSpan> pollDelay)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(pollDelay);
        if (CheckPolicy(propagationPolicy) is { } invalid)
        {
            return invalid;
        }

        var state = context.GetState<DeleteState>();
        if (state is null)
        {
            state = new DeleteState { Cluster = client.Access.Server };
            foreach (var (target, resource, legacyKind) in await targets(context.CancellationToken))
            {
                if (await DeleteAsync(client, target, resource, propagationPolicy, context, state.Cluster, legacyKind) is { } deleting)
                {
                    state.Deleting.Add(deleting);
                }
                else
                {
                    state.Absent.Add(target.ToString());
                }
            }
        }

        var waiting = wait ? await PollAsync(client, state.Deleting, context, state.Cluster) : [];
        if (waiting.Count == 0)
        {
            return StepResult.Completed(new DeleteOutputs(state.Deleting.Select(d => d.Ref.ToString()).ToList(), state.Absent));
        }

        return StepResult.Pending(pollDelay(context.PollCount), $"waiting for {string.Join(", ", waiting.Select(w => w.Ref.ToString()))} to be gone", state);
    }

    /// <summary>
    /// Returns the kind of a live ledger row of <paramref name="target"/> recorded, by any run, before ledger kinds carried the
    /// API group (<see cref="ObjectRef.LegacyLedgerKind"/>), so that a delete marks it too; null when there is none, or when
    /// the row under that kind is another group's kind of the same name (<see cref="ObjectRef.IsLedgerRow"/>).
    /// </summary>
    /// <param name="context">The step's context.</param>
    /// <param name="target">The object.</param>
    /// <param name="cluster">The cluster's URL (the ledger rows' provider).</param>
    public static async Task<string?> FindLegacyLedgerKindAsync(StepContext context, ObjectRef target, string cluster)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(target);
        if (target.LegacyLedgerKind == target.LedgerKind)
        {
            return null; // the core group: one kind, one row
        }

        var rows = await context.Resources.FindLiveAsync(target.LegacyLedgerKind, target.LedgerId, cluster, context.CancellationToken);
        return rows.Any(r => target.IsLedgerRow(r.Kind, r.ExternalId, r.Properties)) ? target.LegacyLedgerKind : null;
    }

    /// <summary>Sends the delete of <paramref name="target"/>; returns what to wait for, or null when it was already absent.</summary>
    /// <param name="client">The cluster's client.</param>
    /// <param name="target">The object.</param>
    /// <param name="resource">Where its kind is served.</param>
    /// <param name="propagationPolicy">How dependents are deleted.</param>
    /// <param name="context">The step's context.</param>
    /// <param name="cluster">The cluster's URL (the ledger rows' provider).</param>
    /// <param name="legacyLedgerKind">The kind of its ledger row when recorded before ledger kinds carried the API group, or null.</param>
    public static async Task<DeletingObject?> DeleteAsync(KubernetesApiClient client, ObjectRef target, ResourceInfo resource, string propagationPolicy, StepContext context, string cluster, string? legacyLedgerKind = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(context);
        var ct = context.CancellationToken;
        var live = await client.GetAsync(target, resource, ct);
        if (live is null || !await client.DeleteAsync(target, resource, propagationPolicy, ct))
        {
            context.Log.WriteLine($"{target}: already absent");
            await MarkDeletedAsync(context, target, legacyLedgerKind, cluster);
            return null;
        }

        context.Log.WriteLine($"{target}: deleted (propagationPolicy {propagationPolicy})");
        return new DeletingObject
        {
            ApiVersion = target.ApiVersion, Kind = target.Kind, Namespace = target.Namespace, Name = target.Name,
            Plural = resource.Plural, Namespaced = resource.Namespaced, Uid = live["metadata"]?["uid"]?.GetValue<string>(), LegacyLedgerKind = legacyLedgerKind,
        };
    }

    /// <summary>Checks which deleted objects are gone (marking them deleted in the ledger); returns those still there.</summary>
    public static async Task<IReadOnlyList<DeletingObject>> PollAsync(KubernetesApiClient client, IEnumerable<DeletingObject> objects, StepContext context, string cluster)
    {
        var ct = context.CancellationToken;
        var waiting = new List<DeletingObject>();
        foreach (var o in objects.Where(o => !o.Gone))
        {
            var live = await client.GetAsync(o.Ref, o.Resource, ct);
            if (live is null || (o.Uid is not null && live["metadata"]?["uid"]?.GetValue<string>() != o.Uid))
            {
                o.Gone = true;
                context.Log.WriteLine($"{o.Ref}: gone");
                await MarkDeletedAsync(context, o.Ref, o.LegacyLedgerKind, cluster);
                continue;
            }

            waiting.Add(o);
        }

        return waiting;
    }

    private static async Task MarkDeletedAsync(StepContext context, ObjectRef target, string? legacyLedgerKind, string cluster)
    {
        await context.Resources.MarkDeletedAsync(target.LedgerKind, target.LedgerId, cluster, context.CancellationToken);
        if (legacyLedgerKind is not null && legacyLedgerKind != target.LedgerKind)
        {
            await context.Resources.MarkDeletedAsync(legacyLedgerKind, target.LedgerId, cluster, context.CancellationToken);
        }
    }
}
