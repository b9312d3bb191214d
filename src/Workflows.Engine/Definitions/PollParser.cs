using System.Globalization;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Yaml;
using YamlDotNet.RepresentationModel;

namespace Workflows.Engine.Definitions;

/// <summary>
/// Reads <c>poll:</c>: a duration (<c>poll: 5s</c>, every 5 s) or a mapping whose missing keys come
/// from the action's default (<c>poll: { initial: 1s, factor: 2, max: 15s }</c>).
/// </summary>
internal static class PollParser
{
    private const string Shape = "must be a duration (e.g. 5s) or a mapping with initial, factor and max (e.g. { initial: 1s, factor: 2, max: 15s })";
    private static readonly string[] Keys = ["initial", "factor", "max"];

    /// <param name="ctx">The file's reader.</param>
    /// <param name="node">The value of <c>poll:</c>, or null.</param>
    /// <param name="path">Its path.</param>
    /// <param name="action">The step's action, whose schedule fills in what the mapping leaves out.</param>
    /// <returns>The schedule; null without <c>poll:</c> or when it is wrong.</returns>
    public static PollSchedule? Parse(DefinitionReader ctx, YamlNode? node, string path, ActionDescriptor? action)
    {
        if (node is null)
        {
            return null;
        }

        var fallback = action?.Poll ?? PollSchedule.Default;
        TimeSpan initial, max;
        var factor = fallback.Factor;
        var shape = YamlReader.ShapeOf(node);
        if (shape is YamlShape.Scalar or YamlShape.Empty)
        {
            var every = Duration.TryParse(YamlReader.TextOf(node) ?? "", out var err);
            if (err is not null)
            {
                ctx.Error(node, path, $"{err}; {Shape}");
                return null;
            }

            initial = max = every!.Value;
            factor = 1;
        }
        else if (shape == YamlShape.Mapping)
        {
            ctx.CheckKeys(node, path, Keys);
            var i = ctx.OptionalDuration(node, "initial", path, out var validInitial);
            var m = ctx.OptionalDuration(node, "max", path, out var validMax);
            var validFactor = true;
            if (DefinitionReader.Value(node, "factor") is { } fn)
            {
                if (YamlReader.ShapeOf(fn) is YamlShape.Scalar or YamlShape.Empty && double.TryParse(YamlReader.TextOf(fn), NumberStyles.Float, CultureInfo.InvariantCulture, out var f))
                {
                    factor = f;
                }
                else
                {
                    ctx.Error(fn, path + ".factor", "must be a number from 1 to 10 (2 doubles each delay, 1 keeps it constant)");
                    validFactor = false;
                }
            }

            if (!validInitial || !validMax || !validFactor)
            {
                return null;
            }

            initial = i ?? fallback.Initial;
            max = m ?? fallback.Max;

            // One bound given past the other's default: the schedule stays constant at the given one.
            if (DefinitionReader.Value(node, "max") is null && max < initial)
            {
                max = initial;
            }
            else if (DefinitionReader.Value(node, "initial") is null && max < initial)
            {
                initial = max;
            }
        }
        else
        {
            ctx.Error(node, path, Shape);
            return null;
        }

        if (PollSchedule.Validate(initial, factor, max) is { } problem)
        {
            var at = shape == YamlShape.Mapping && DefinitionReader.Value(node, problem.Field) is { } v ? v : node;
            ctx.Error(at, shape == YamlShape.Mapping ? $"{path}.{problem.Field}" : path, problem.Message);
            return null;
        }

        return new PollSchedule(initial, factor, max);
    }
}
