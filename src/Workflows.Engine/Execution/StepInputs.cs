using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Abstractions.Secrets;
using Workflows.Engine.Expressions;
using Workflows.Engine.Secrets;
using Workflows.Engine.Storage;

namespace Workflows.Engine.Execution;

/// <summary>
/// A step's <c>with:</c> inputs as an attempt sees them: evaluated over the run's inputs and the earlier steps' outputs
/// (the one evaluation the job binds the action with), and as they are kept with the attempt for people to read
/// (<see cref="Snapshot"/>: every secret masked, capped in size).
/// </summary>
public static class StepInputs
{
    /// <summary>The largest snapshot kept with an attempt, in UTF-8 bytes of its JSON (64 KiB).</summary>
    public const int MaxSnapshotBytes = 64 * 1024;

    /// <summary>The longest text a value is cut to when a snapshot is over <see cref="MaxSnapshotBytes"/> (1,024 characters).</summary>
    public const int TruncatedValueLength = 1024;

    private static readonly JsonSerializerOptions Unescaped = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Gets the <c>with:</c> block of a step row: the step's own, or for a compensation the one of its <c>compensate:</c>.</summary>
    public static JsonObject? WithOf(WorkflowDefinition def, StepRow row)
    {
        ArgumentNullException.ThrowIfNull(def);
        ArgumentNullException.ThrowIfNull(row);
        var isComp = row.Kind == StepKinds.Compensation;
        var sd = def.FindStep(isComp ? row.StepId[StepKinds.CompensationPrefix.Length..] : row.StepId);
        return isComp ? sd?.Compensate?.With : sd?.With;
    }

    /// <summary>
    /// Evaluates <paramref name="with"/> over the run: secrets (secret inputs, secret outputs and text built from them)
    /// come back as <see cref="Secret"/> values. The plain text of every secret the run knows (its inputs, every step's
    /// outputs, the evaluated values) is added to <paramref name="secrets"/>, also when evaluation fails, so the error can be redacted.
    /// </summary>
    /// <exception cref="ExpressionException">An expression cannot be evaluated.</exception>
    /// <exception cref="System.Security.Cryptography.CryptographicException">A stored secret cannot be decrypted.</exception>
    public static JsonObject Evaluate(SecretCodec codec, RunRow run, IEnumerable<StepRow> steps, JsonObject? with, ISet<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(codec);
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(secrets);
        var all = steps as IReadOnlyCollection<StepRow> ?? [.. steps];
        var scope = RunScope.Build(codec, run, all);
        SecretCodec.Collect(codec.Unprotect(run.Inputs), secrets);
        foreach (var s in all.Where(s => s.Outputs is not null))
        {
            SecretCodec.Collect(codec.Unprotect(s.Outputs), secrets);
        }

        var evaluated = Template.EvaluateTree(with, scope) as JsonObject ?? [];
        SecretCodec.Collect(evaluated, secrets);
        return evaluated;
    }

    /// <summary>
    /// Returns the JSON kept with an attempt: <paramref name="evaluated"/> with every secret as <see cref="Secret.Mask"/>
    /// (an empty secret stays empty: there is nothing to hide), every text <paramref name="redactor"/> knows a secret in
    /// redacted, and, over <see cref="MaxSnapshotBytes"/>, the largest values cut to <see cref="TruncatedValueLength"/>
    /// characters ending in "… (truncated, N bytes)" (and, if that is not enough, the last inputs left out under "…").
    /// </summary>
    public static string Snapshot(JsonObject evaluated, Redactor redactor)
    {
        ArgumentNullException.ThrowIfNull(evaluated);
        ArgumentNullException.ThrowIfNull(redactor);
        var masked = new JsonObject();
        foreach (var (key, value) in evaluated)
        {
            masked[redactor.Redact(key)] = Clean(value, redactor);
        }

        var json = masked.ToJsonString(Unescaped);
        if (Encoding.UTF8.GetByteCount(json) <= MaxSnapshotBytes)
        {
            return json;
        }

        return Truncate(masked).ToJsonString(Unescaped);
    }

    private static JsonNode? Clean(JsonNode? node, Redactor redactor)
    {
        switch (node)
        {
            case null:
                return null;
            case JsonValue v when v.TryGetValue(out Secret? s):
                return JsonValue.Create(s.Reveal().Length == 0 ? "" : Secret.Mask);
            case JsonObject o:
                var copy = new JsonObject();
                foreach (var (key, value) in o)
                {
                    copy[redactor.Redact(key)] = Clean(value, redactor);
                }

                return copy;
            case JsonArray a:
                return new JsonArray([.. a.Select(i => Clean(i, redactor))]);
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                return JsonValue.Create(redactor.Redact(v.GetValue<string>()));
            default:
                // A number or a boolean that spells a secret (a PIN) is masked like text.
                var text = node.ToJsonString();
                return redactor.Redact(text) == text ? JsonNodes.Clone(node) : JsonValue.Create(Secret.Mask);
        }
    }

    private static JsonObject Truncate(JsonObject masked)
    {
        // Cut the largest values first until the whole fits; each cut value says how big it was.
        var sizes = masked.ToDictionary(kv => kv.Key, kv => Encoding.UTF8.GetByteCount(kv.Value?.ToJsonString(Unescaped) ?? "null"), StringComparer.Ordinal);
        var total = Encoding.UTF8.GetByteCount(masked.ToJsonString(Unescaped));
        var result = new JsonObject(masked.Select(kv => KeyValuePair.Create(kv.Key, JsonNodes.Clone(kv.Value))));
        foreach (var (key, size) in sizes.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (total <= MaxSnapshotBytes)
            {
                break;
            }

            var text = result[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : result[key]?.ToJsonString(Unescaped) ?? "null";
            if (text.Length <= TruncatedValueLength)
            {
                continue;
            }

            var cut = JsonValue.Create($"{text[..TruncatedValueLength]}… (truncated, {size} bytes)");
            result[key] = cut;
            total += Encoding.UTF8.GetByteCount(cut.ToJsonString(Unescaped)) - size;
        }

        if (total <= MaxSnapshotBytes)
        {
            return result;
        }

        // Thousands of inputs: keep what fits, in their order, and say how many were left out.
        var kept = new JsonObject();
        var used = 2;
        var names = result.Select(kv => kv.Key).ToList();
        for (var i = 0; i < names.Count; i++)
        {
            var entry = Encoding.UTF8.GetByteCount(JsonSerializer.Serialize(names[i], Unescaped) + ":" + (result[names[i]]?.ToJsonString(Unescaped) ?? "null") + ",");
            if (used + entry > MaxSnapshotBytes - 64)
            {
                kept["…"] = $"(truncated: {names.Count - i} more inputs)";
                break;
            }

            kept[names[i]] = JsonNodes.Clone(result[names[i]]);
            used += entry;
        }

        return kept;
    }
}
