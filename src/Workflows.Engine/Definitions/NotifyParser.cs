using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Yaml;
using YamlDotNet.RepresentationModel;

namespace Workflows.Engine.Definitions;

/// <summary>Reads <c>notify:</c>, a mapping of event to channel names (<c>{ run.failed: [ops-webhook] }</c>).</summary>
internal static class NotifyParser
{
    /// <param name="ctx">The file's reader.</param>
    /// <param name="node">The value of <c>notify:</c>.</param>
    /// <param name="channels">The configured channels, or null to accept any name.</param>
    public static Dictionary<string, IReadOnlyList<string>> Parse(DefinitionReader ctx, YamlNode? node, IReadOnlyCollection<string>? channels)
    {
        var notify = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (node is null)
        {
            return notify;
        }

        if (YamlReader.ShapeOf(node) != YamlShape.Mapping)
        {
            ctx.Error(node, "notify", "must be a mapping of event to channel names, e.g. notify: { run.failed: [ops-webhook] }");
            return notify;
        }

        foreach (var entry in ctx.Entries(node, "notify"))
        {
            var ev = entry.Key;
            if (!NotificationEvents.All.Contains(ev, StringComparer.Ordinal))
            {
                ctx.Error(entry.KeyNode, "notify", $"unknown event '{YamlGuard.Cut(ev)}'{YamlReader.DidYouMean(ev, NotificationEvents.All)}; use {string.Join(", ", NotificationEvents.All)}");
                continue;
            }

            var path = $"notify.{ev}";
            var v = entry.Value;
            if (YamlReader.ShapeOf(v) == YamlShape.List && YamlReader.Count(v) == 0)
            {
                ctx.Error(v, path, "must name at least one channel");
            }

            var names = ctx.Names(v, path);
            foreach (var name in names.Where(n => channels is not null && !channels.Contains(n, StringComparer.Ordinal)))
            {
                ctx.Error(v, path, channels!.Count == 0
                    ? $"unknown channel '{YamlGuard.Cut(name)}': the server has no notification channels (configure Workflows:Notifications:Channels)"
                    : $"unknown channel '{YamlGuard.Cut(name)}'{YamlReader.DidYouMean(name, channels)}; configured channels: {string.Join(", ", channels.Order(StringComparer.Ordinal))}");
            }

            notify[ev] = names.Distinct(StringComparer.Ordinal).ToList();
        }

        return notify;
    }
}
