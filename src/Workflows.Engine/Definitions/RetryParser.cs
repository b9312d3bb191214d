using System.Globalization;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Yaml;
using YamlDotNet.RepresentationModel;

namespace Workflows.Engine.Definitions;

/// <summary>Reads a step's or a compensation's <c>retry:</c> (<c>{ attempts, backoff, initialDelay, maxDelay, jitter, nonRetryable }</c>).</summary>
internal static class RetryParser
{
    private static readonly string[] Keys = ["attempts", "backoff", "initialDelay", "maxDelay", "jitter", "nonRetryable"];

    /// <param name="ctx">The file's reader.</param>
    /// <param name="node">The value of <c>retry:</c>, or null.</param>
    /// <param name="path">Its path.</param>
    /// <param name="fallback">The policy without <c>retry:</c>.</param>
    public static RetryPolicy Parse(DefinitionReader ctx, YamlNode? node, string path, RetryPolicy fallback)
    {
        if (node is null)
        {
            return fallback;
        }

        if (YamlReader.ShapeOf(node) != YamlShape.Mapping)
        {
            ctx.Error(node, path, "must be a mapping with attempts, backoff, initialDelay, maxDelay, jitter, nonRetryable");
            return fallback;
        }

        ctx.CheckKeys(node, path, Keys);
        var policy = new RetryPolicy();
        if (ctx.OptionalInt(node, "attempts", path) is { } a)
        {
            if (a is < 1 or > 100)
            {
                ctx.Error(DefinitionReader.Value(node, "attempts"), path + ".attempts", $"must be between 1 and 100, not {a}");
            }

            policy = policy with { MaxAttempts = a };
        }

        if (ctx.OptionalString(node, "backoff", path) is { } b)
        {
            if (Enum.TryParse<BackoffKind>(b, ignoreCase: true, out var kind) && Enum.IsDefined(kind))
            {
                policy = policy with { Backoff = kind };
            }
            else
            {
                ctx.Error(DefinitionReader.Value(node, "backoff"), path + ".backoff", $"'{YamlGuard.Cut(b)}' is not valid: use fixed or exponential");
            }
        }

        if (ctx.OptionalDuration(node, "initialDelay", path, out _) is { } initial)
        {
            policy = policy with { InitialDelay = initial };
        }

        if (ctx.OptionalDuration(node, "maxDelay", path, out _) is { } max)
        {
            policy = policy with { MaxDelay = max };
        }

        if (policy.InitialDelay > policy.MaxDelay)
        {
            ctx.Error(node, path + ".maxDelay", $"must not be shorter than initialDelay ({Duration.Format(policy.InitialDelay)})");
        }

        var jn = DefinitionReader.Value(node, "jitter");
        if (YamlReader.ShapeOf(jn) is YamlShape.List or YamlShape.Mapping)
        {
            ctx.Error(jn, path + ".jitter", "must be a number from 0 to 1, not a list or mapping");
        }
        else if (jn is not null)
        {
            var text = YamlReader.TextOf(jn);
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var j) && j is >= 0 and <= 1)
            {
                policy = policy with { Jitter = j };
            }
            else
            {
                ctx.Error(jn, path + ".jitter", $"must be a number from 0 to 1, not '{YamlGuard.Cut(text ?? "")}'");
            }
        }

        return policy with { NonRetryable = ctx.Names(DefinitionReader.Value(node, "nonRetryable"), path + ".nonRetryable") };
    }
}
