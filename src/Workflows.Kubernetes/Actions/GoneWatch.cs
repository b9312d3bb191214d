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

    /// <summary>Returns the reference.</summary>
    public ObjectRef Ref => new(ApiVersion, Kind, Namespace, Name);

    /// <summary>Returns where its kind is served.</summary>
    public ResourceInfo Resource => new(Plural, Namespaced);
}

/// <summary>Deleting and waiting until objects are gone, shared by <c>kubernetes.delete</c> and <c>kubernetes.undo</c>.</summary>
public static class GoneWatch
{
    /// <summary>Sends the delete of <paramref name="target"/>; returns what to wait for, or null when it was already absent.</summary>
    public static async Task<DeletingObject?> DeleteAsync(KubernetesApiClient client, ObjectRef target, ResourceInfo resource, string propagationPolicy, StepContext context, string cluster)
    {
        var ct = context.CancellationToken;
        var live = await client.GetAsync(target, resource, ct);
        if (live is null || !await client.DeleteAsync(target, resource, propagationPolicy, ct))
        {
            context.Log.WriteLine($"{target}: already absent");
            await context.Resources.MarkDeletedAsync(target.LedgerKind, target.LedgerId, cluster, ct);
            return null;
        }

        context.Log.WriteLine($"{target}: deleted (propagationPolicy {propagationPolicy})");
        return new DeletingObject
        {
            ApiVersion = target.ApiVersion, Kind = target.Kind, Namespace = target.Namespace, Name = target.Name,
            Plural = resource.Plural, Namespaced = resource.Namespaced, Uid = live["metadata"]?["uid"]?.GetValue<string>(),
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
                await context.Resources.MarkDeletedAsync(o.Ref.LedgerKind, o.Ref.LedgerId, cluster, ct);
                continue;
            }

            waiting.Add(o);
        }

        return waiting;
    }
}
