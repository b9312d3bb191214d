using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Abstractions.Secrets;

namespace Workflows.Server.Triggers;

/// <summary>A webhook as the receiver uses it.</summary>
public sealed record HookInfo
{
    /// <summary>Gets the name in <c>/hooks/{name}</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the workflow it starts.</summary>
    public required string Workflow { get; init; }

    /// <summary>Gets the secret, or null when none is configured.</summary>
    public Secret? Secret { get; init; }

    /// <summary>Gets the signature scheme: github, gitlab, generic or auto.</summary>
    public string Provider { get; init; } = "auto";

    /// <summary>Gets the filter template, or null.</summary>
    public string? Filter { get; init; }

    /// <summary>Gets the input templates.</summary>
    public JsonObject Inputs { get; init; } = [];

    /// <summary>Gets where it is defined: <c>configuration</c> or the definition file.</summary>
    public required string Source { get; init; }

    /// <summary>Gets the sustained deliveries per minute.</summary>
    public int PermitsPerMinute { get; init; }

    /// <summary>Gets the burst.</summary>
    public int Burst { get; init; }
}

/// <summary>Finds hooks in configuration (<c>Webhooks:Hooks</c>) and in definitions' webhook triggers (secret from <c>Webhooks:Secrets:&lt;name&gt;</c>).</summary>
public sealed class WebhookRegistry(IOptionsMonitor<WebhookOptions> options, IWorkflowCatalog catalog)
{
    /// <summary>Lists every hook, configuration first.</summary>
    public IReadOnlyList<HookInfo> List()
    {
        var o = options.CurrentValue;
        var list = new List<HookInfo>();
        foreach (var h in o.Hooks.Where(h => h.Name.Length > 0))
        {
            if (list.Any(x => x.Name == h.Name))
            {
                continue;
            }

            list.Add(new HookInfo
            {
                Name = h.Name,
                Workflow = h.Workflow,
                Secret = h.Secret.Length > 0 ? new Secret(h.Secret) : null,
                Provider = string.IsNullOrWhiteSpace(h.Provider) ? "auto" : h.Provider.Trim().ToLowerInvariant(),
                Filter = string.IsNullOrWhiteSpace(h.Filter) ? null : h.Filter,
                Inputs = new JsonObject(h.Inputs.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value)))),
                Source = "configuration",
                PermitsPerMinute = h.PermitsPerMinute ?? o.PermitsPerMinute,
                Burst = h.Burst ?? o.Burst,
            });
        }

        foreach (var def in catalog.List())
        {
            foreach (var t in def.Triggers.Where(t => t.Kind == TriggerKind.Webhook))
            {
                var name = t.Name ?? def.Name;
                if (list.Any(x => x.Name == name))
                {
                    continue;
                }

                list.Add(new HookInfo
                {
                    Name = name,
                    Workflow = def.Name,
                    Secret = o.Secrets.TryGetValue(name, out var s) && s.Length > 0 ? new Secret(s) : null,
                    Filter = t.Filter,
                    Inputs = t.Inputs,
                    Source = def.Source,
                    PermitsPerMinute = o.PermitsPerMinute,
                    Burst = o.Burst,
                });
            }
        }

        return list;
    }

    /// <summary>Finds a hook by name, or null.</summary>
    public HookInfo? Find(string name) => List().FirstOrDefault(h => h.Name == name);
}
