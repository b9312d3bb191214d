using System.Text.Json;
using Microsoft.Extensions.Logging;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Resources;
using Workflows.Engine.Storage;

namespace Workflows.Engine.Execution;

/// <summary>
/// "Check against the cloud": asks each kind's <see cref="IResourceProbe"/> whether a ledger resource still exists and marks
/// the ones its provider no longer has as gone (<see cref="ResourceDeletedReason.Gone"/>, with who ran the check), with a line
/// in the owning run's audit.
/// </summary>
public sealed class ResourceCheck(RunStore store, IEnumerable<IResourceProbe> probes, TimeProvider clock, ILogger<ResourceCheck> logger) : IResourceCheck
{
    /// <summary>The most resources one check looks up.</summary>
    public const int MaxResources = 2000;

    // A few lookups at once: a check of hundreds of rows should not take minutes, nor flood a provider.
    private const int Parallelism = 4;

    private readonly Dictionary<string, IResourceProbe> byKind = probes.SelectMany(p => p.Kinds.Select(k => (k, p))).GroupBy(x => x.k, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().p, StringComparer.Ordinal);

    /// <inheritdoc />
    public async Task<ResourceCheckResult> CheckAsync(IReadOnlyList<ResourceKey>? resources, string actor, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        var rows = await store.Ledger.LiveAsync(MaxResources, cancellationToken);
        var wanted = resources?.ToHashSet();
        var targets = rows.Where(r => wanted is null || wanted.Contains(new ResourceKey(r.Kind, r.Provider, r.ExternalId))).ToList();
        var answers = new ResourceCheckItem[targets.Count];
        var done = 0;
        logger.LogInformation("Checking {Count} resource(s) against their providers for {Actor}", targets.Count, actor);
        progress?.Report((0, targets.Count));
        await Parallel.ForEachAsync(
            Enumerable.Range(0, targets.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                answers[i] = await CheckOneAsync(targets[i], actor, ct);
                var n = Interlocked.Increment(ref done);
                progress?.Report((n, targets.Count));
                if (n % 25 == 0)
                {
                    logger.LogInformation("Checked {Done} of {Total} resource(s)", n, targets.Count);
                }
            });

        // Asked for by key but not (or no longer) a live ledger row: say so rather than leave it out.
        var missing = wanted?.Except(targets.Select(t => new ResourceKey(t.Kind, t.Provider, t.ExternalId)))
            .Select(k => new ResourceCheckItem(k, ResourcePresence.Unknown, "not a live row of the resource ledger")) ?? [];
        var result = new ResourceCheckResult([.. answers, .. missing]);
        logger.LogInformation("Resource check for {Actor}: {Summary}", actor, result.Summary);
        return result;
    }

    private async Task<ResourceCheckItem> CheckOneAsync(ResourceRow row, string actor, CancellationToken ct)
    {
        var key = new ResourceKey(row.Kind, row.Provider, row.ExternalId);
        if (!ResourceKindPattern.TryFind(byKind, row.Kind, out var probe))
        {
            return new ResourceCheckItem(key, ResourcePresence.Unknown, $"no probe for kind {row.Kind}");
        }

        ResourcePresence presence;
        try
        {
            presence = await probe.ProbeAsync(ResourceMapping.ToEntry(row), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Never mark on an error: an unreachable provider is not proof of absence.
            logger.LogWarning("Checking {Resource} failed with {Exception}: {Message}", key.ToString(), e.GetType().Name, e.Message);
            return new ResourceCheckItem(key, ResourcePresence.Unknown, $"{e.GetType().Name}: {e.Message}");
        }

        if (presence == ResourcePresence.Gone)
        {
            await MarkGoneAsync(row, actor, ct);
        }

        return new ResourceCheckItem(key, presence);
    }

    private async Task MarkGoneAsync(ResourceRow row, string actor, CancellationToken ct)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var properties = (row.Properties is null ? null : JsonSerializer.Deserialize<Dictionary<string, string>>(row.Properties)) ?? [];
        // Also in the properties, as before the row had a reason of its own (migration 11), for readers of those.
        properties["deletedReason"] = "gone";
        var audit = new AuditRow { RunId = row.RunId, StepId = row.StepId, At = now, Kind = "resource.gone", Actor = actor, Message = $"{row.Kind} {row.Name ?? row.ExternalId} ({row.ExternalId}) on {row.Provider} no longer exists there; marked gone by a check against the cloud" };
        if (await store.MarkResourceDeletedAsync(row.Id, nameof(ResourceDeletedReason.Gone), actor, JsonSerializer.Serialize(properties), now, audit, ct))
        {
            logger.LogInformation("{Kind} {ExternalId} on {Provider} is gone; marked gone", row.Kind, row.ExternalId, row.Provider);
        }
    }
}
