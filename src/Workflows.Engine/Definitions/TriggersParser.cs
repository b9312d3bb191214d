using System.Text.Json.Nodes;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Yaml;
using YamlDotNet.RepresentationModel;

namespace Workflows.Engine.Definitions;

/// <summary>
/// Reads <c>triggers:</c>, a list of one-key mappings: <c>- schedule: { cron, timezone, overlap, name, inputs }</c> or
/// <c>- webhook: { name, inputs, filter }</c>. A cron expression and a time zone are checked as the scheduler reads them.
/// </summary>
internal static class TriggersParser
{
    private static readonly string[] Kinds = ["schedule", "webhook"];
    private static readonly string[] ScheduleKeys = ["name", "cron", "timezone", "inputs", "overlap"];
    private static readonly string[] WebhookKeys = ["name", "inputs", "filter"];

    public static List<TriggerDefinition> Parse(DefinitionReader ctx, YamlNode? node)
    {
        var list = new List<TriggerDefinition>();
        if (node is null)
        {
            return list;
        }

        if (YamlReader.ShapeOf(node) != YamlShape.List)
        {
            ctx.Error(node, "triggers", "must be a list, e.g. '- schedule: { cron: \"0 3 * * *\" }'");
            return list;
        }

        foreach (var (item, path) in ctx.Items(node, "triggers"))
        {
            if (YamlReader.ShapeOf(item) != YamlShape.Mapping || YamlReader.Count(item) != 1)
            {
                ctx.Error(item, path, "each trigger is a mapping with one key: schedule or webhook");
                continue;
            }

            var entry = ctx.Entries(item, path).Single();
            var kind = YamlGuard.Cut(entry.Key);
            if (YamlReader.ShapeOf(entry.Value) != YamlShape.Mapping)
            {
                ctx.Error(entry.Value, $"{path}.{kind}", "must be a mapping");
                continue;
            }

            var line = YamlReader.LineOf(entry.KeyNode);
            switch (kind)
            {
                case "schedule":
                    list.Add(Schedule(ctx, entry.Value, $"{path}.schedule", line));
                    break;
                case "webhook":
                    list.Add(Webhook(ctx, entry.Value, $"{path}.webhook", line));
                    break;
                default:
                    ctx.Error(entry.KeyNode, path, $"unknown trigger '{kind}'{YamlReader.DidYouMean(kind, Kinds)}: use schedule or webhook");
                    break;
            }
        }

        return list;
    }

    private static TriggerDefinition Schedule(DefinitionReader ctx, YamlNode body, string path, int line)
    {
        ctx.CheckKeys(body, path, ScheduleKeys);
        var cron = ctx.RequiredString(body, "cron", path);
        if (cron is not null)
        {
            try
            {
                var format = cron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6 ? Cronos.CronFormat.IncludeSeconds : Cronos.CronFormat.Standard;
                Cronos.CronExpression.Parse(cron, format);
            }
            catch (Cronos.CronFormatException e)
            {
                ctx.Error(DefinitionReader.Value(body, "cron"), $"{path}.cron", $"'{YamlGuard.Cut(cron)}' is not a valid cron expression: {e.Message}");
            }
        }

        var tz = ctx.OptionalString(body, "timezone", path);
        if (tz is not null && !TimeZoneInfo.TryFindSystemTimeZoneById(tz, out _))
        {
            ctx.Error(DefinitionReader.Value(body, "timezone"), $"{path}.timezone", $"unknown time zone '{YamlGuard.Cut(tz)}' (use an IANA name such as Europe/Berlin)");
        }

        var overlap = ctx.OptionalString(body, "overlap", path);
        if (overlap is not null and not ("skip" or "queue" or "allow"))
        {
            ctx.Error(DefinitionReader.Value(body, "overlap"), $"{path}.overlap", $"'{YamlGuard.Cut(overlap)}' is not valid: use skip, queue or allow");
        }

        return new TriggerDefinition
        {
            Kind = TriggerKind.Schedule,
            Name = ctx.OptionalString(body, "name", path),
            Cron = cron,
            TimeZone = tz,
            Overlap = overlap,
            Inputs = YamlReader.ToJson(DefinitionReader.Value(body, "inputs")) as JsonObject ?? [],
            Line = line,
        };
    }

    private static TriggerDefinition Webhook(DefinitionReader ctx, YamlNode body, string path, int line)
    {
        ctx.CheckKeys(body, path, WebhookKeys);
        var filter = ctx.OptionalString(body, "filter", path);
        if (filter is not null)
        {
            ctx.CheckTemplate(DefinitionReader.Value(body, "filter")!, $"{path}.filter", filter);
        }

        return new TriggerDefinition
        {
            Kind = TriggerKind.Webhook,
            Name = ctx.RequiredString(body, "name", path),
            Inputs = YamlReader.ToJson(DefinitionReader.Value(body, "inputs")) as JsonObject ?? [],
            Filter = filter,
            Line = line,
        };
    }
}
