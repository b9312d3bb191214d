using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Resources;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Definitions;
using Workflows.Engine.Storage;

namespace Workflows.Engine.Execution;

/// <summary>
/// Starts the clean-up of orphans: one run of a definition generated for the request, named
/// <see cref="WorkflowName"/>, with one independent delete step per resource.
/// </summary>
/// <remarks>
/// Generated rather than shipped as YAML: a YAML workflow has a fixed list of steps, and a clean-up needs one step per
/// resource so that each delete shows, retries and fails on its own. The generated text is stored as a definition version
/// like a file's, so the run is pinned to it, survives a restart and reads like any run.
/// </remarks>
public sealed class ResourceCleanup(
    WorkflowCatalog catalog,
    RunCommands commands,
    RunStore store,
    IEnumerable<ResourceDeleter> deleters,
    ILogger<ResourceCleanup> logger) : IResourceCleanup
{
    /// <summary>The name of the generated workflow.</summary>
    public const string WorkflowName = "resource-cleanup";

    /// <summary>The most resources one clean-up deletes.</summary>
    public const int MaxResources = 100;

    private readonly Dictionary<string, ResourceDeleter> byKind = deleters.GroupBy(d => d.Kind, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);

    /// <inheritdoc />
    public IReadOnlySet<string> DeletableKinds => byKind.Keys.ToHashSet(StringComparer.Ordinal);

    /// <inheritdoc />
    public bool IsDeletable(string kind) => ResourceKindPattern.TryFind(byKind, kind, out _);

    /// <inheritdoc />
    public async Task<RunSummary> StartAsync(IReadOnlyList<ResourceKey> resources, string actor, TriggerKind trigger, CancellationToken cancellationToken = default)
    {
        if (resources.Count == 0)
        {
            throw new ResourceCleanupRefusedException(new Dictionary<string, string> { ["resources"] = "list at least one resource" });
        }

        if (resources.Count > MaxResources)
        {
            throw new ResourceCleanupRefusedException(new Dictionary<string, string> { ["resources"] = $"{resources.Count} resources listed; one clean-up deletes at most {MaxResources}" });
        }

        var problems = new Dictionary<string, string>(StringComparer.Ordinal);
        var steps = new List<(ResourceRow Row, ResourceDeleter Deleter)>();
        var seen = new HashSet<ResourceKey>();
        for (var i = 0; i < resources.Count; i++)
        {
            var key = resources[i];
            var at = $"resources[{i}]";
            if (string.IsNullOrEmpty(key.Kind) || string.IsNullOrEmpty(key.ExternalId) || key.Provider is null)
            {
                problems[at] = "give kind, provider and externalId";
                continue;
            }

            if (!seen.Add(key))
            {
                problems[at] = $"{key} is listed twice";
                continue;
            }

            if (await store.Ledger.FindWithRunStatusAsync(key.Kind, key.Provider, key.ExternalId, cancellationToken) is not var (row, runStatus))
            {
                problems[at] = $"{key} is not in the resource ledger";
            }
            else if (row.DeletedAt is not null)
            {
                problems[at] = $"{key} is already deleted";
            }
            else if (runStatus is not (nameof(RunStatus.Failed) or nameof(RunStatus.Cancelled)))
            {
                problems[at] = $"{key} is not an orphan: run {row.RunId} that created it is {runStatus.ToLowerInvariant()}";
            }
            else if (!ResourceKindPattern.TryFind(byKind, key.Kind, out var deleter))
            {
                problems[at] = $"{key}: kind {key.Kind} has no delete action (deletable: {string.Join(", ", byKind.Keys.Order(StringComparer.Ordinal))})";
            }
            else if (deleter.Inputs(ResourceMapping.ToEntry(row)).Values.Append(row.Name ?? "").Any(v => v.Contains("${{", StringComparison.Ordinal)))
            {
                // The generated definition takes values literally; an expression in a recorded value would be evaluated.
                problems[at] = $"{key} has a value containing '${{{{' and cannot be deleted from here";
            }
            else
            {
                steps.Add((row, deleter));
            }
        }

        if (problems.Count > 0)
        {
            throw new ResourceCleanupRefusedException(problems);
        }

        var definition = await catalog.AddGeneratedAsync($"(built-in) {WorkflowName}", Generate(steps), cancellationToken);
        var run = await commands.StartGeneratedAsync(
            definition,
            new StartRunRequest(WorkflowName, new Dictionary<string, System.Text.Json.Nodes.JsonNode?>(), new TriggerInfo(trigger, actor, $"clean-up of {steps.Count} resource(s)")),
            cancellationToken);
        logger.LogInformation("Clean-up run {RunId} of {Count} resource(s) started by {Actor}: {Resources}", run.Id, steps.Count, actor, string.Join(", ", steps.Select(s => new ResourceKey(s.Row.Kind, s.Row.Provider, s.Row.ExternalId))));
        return run;
    }

    /// <summary>Writes the definition: one step per resource, no needs between them, no compensation.</summary>
    internal static string Generate(IReadOnlyList<(ResourceRow Row, ResourceDeleter Deleter)> steps)
    {
        var yaml = new StringBuilder();
        yaml.Append("name: ").AppendLine(WorkflowName);
        yaml.Append("description: ").AppendLine(Quote($"Deletes {steps.Count} orphaned resource(s) from the Resources page"));

        // Hold: a delete that fails stays failed for a retry; there is nothing to compensate.
        yaml.AppendLine("onFailure: hold");
        yaml.AppendLine("steps:");
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (row, deleter) in steps)
        {
            var id = StepId(row, ids);
            yaml.Append("  - id: ").AppendLine(id);
            yaml.Append("    name: ").AppendLine(Quote($"Delete {row.Kind} {row.Name ?? row.ExternalId} ({row.ExternalId}) on {row.Provider}"));
            yaml.Append("    uses: ").AppendLine(deleter.Action);
            yaml.AppendLine("    with:");
            foreach (var (k, v) in deleter.Inputs(ResourceMapping.ToEntry(row)))
            {
                yaml.Append("      ").Append(k).Append(": ").AppendLine(Quote(v));
            }

            yaml.AppendLine("    retry: { attempts: 3, backoff: exponential, initialDelay: 5s, maxDelay: 1m }");
            yaml.AppendLine("    timeout: 30m");
        }

        return yaml.ToString();
    }

    // A JSON string is a YAML double-quoted scalar.
    private static string Quote(string value) => JsonSerializer.Serialize(value);

    private static string StepId(ResourceRow row, HashSet<string> taken)
    {
        // The kind's second part: nova.server → server, kubernetes.deployment.apps → deployment (not the API group's last label).
        var parts = row.Kind.Split('.');
        var kind = parts.Length > 1 ? parts[1] : parts[0];
        var name = new string((row.Name ?? row.ExternalId).Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-').ToArray());
        var stem = $"delete-{kind}-{name}";
        stem = char.IsAsciiLetter(stem[0]) ? stem : "d" + stem;
        stem = stem.Length > 60 ? stem[..60] : stem;
        var id = stem;
        for (var n = 2; !taken.Add(id); n++)
        {
            id = $"{stem}-{n}";
        }

        return id;
    }
}
