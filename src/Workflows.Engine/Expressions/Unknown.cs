using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Workflows.Engine.Expressions;

/// <summary>
/// A value a plan cannot know yet: an earlier step's output (known after that step ran) or a field of the run
/// (known when it starts). It flows through expressions like Terraform's <c>(known after apply)</c>: anything
/// computed from it is unknown too, and it never counts as true or false.
/// </summary>
[JsonConverter(typeof(UnknownJsonConverter))]
public sealed class Unknown
{
    /// <summary>The name used for values known only when the run starts (its id, its trigger).</summary>
    public const string RunStart = "";

    private Unknown(IReadOnlyList<string> after) => After = after;

    /// <summary>Gets the step ids whose completion makes the value known; <see cref="RunStart"/> for the run's own fields.</summary>
    public IReadOnlyList<string> After { get; }

    /// <summary>Gets the text shown instead of the value, e.g. <c>(known after `server`)</c>.</summary>
    public string Text => "(" + When + ")";

    /// <summary>Gets when it is known, e.g. <c>known after `server`</c>, <c>known when the run starts</c>.</summary>
    public string When
    {
        get
        {
            var steps = After.Where(a => a != RunStart).Select(a => $"`{a}`").ToList();
            var parts = new List<string>();
            if (steps.Count > 0)
            {
                parts.Add("known after " + (steps.Count == 1 ? steps[0] : string.Join(", ", steps[..^1]) + " and " + steps[^1]));
            }

            if (After.Contains(RunStart))
            {
                parts.Add("known when the run starts");
            }

            return string.Join("; ", parts);
        }
    }

    /// <summary>Creates an unknown value node.</summary>
    /// <param name="after">A step id, or <see cref="RunStart"/>.</param>
    public static JsonValue Node(string after) => JsonValue.Create(new Unknown([after]))!;

    /// <summary>Returns whether <paramref name="node"/> is an unknown value.</summary>
    public static bool Is(JsonNode? node, out Unknown unknown)
    {
        if (node is JsonValue v && v.TryGetValue(out Unknown? u))
        {
            unknown = u;
            return true;
        }

        unknown = null!;
        return false;
    }

    /// <summary>Returns the first unknown among <paramref name="nodes"/> merged with the others, or null when all are known.</summary>
    public static JsonValue? Merge(IEnumerable<JsonNode?> nodes)
    {
        var after = new List<string>();
        foreach (var n in nodes)
        {
            if (Is(n, out var u))
            {
                after.AddRange(u.After.Where(a => !after.Contains(a)));
            }
        }

        return after.Count == 0 ? null : JsonValue.Create(new Unknown(after));
    }

    /// <summary>Returns whether a tree holds an unknown value anywhere.</summary>
    public static bool Within(JsonNode? node) => node switch
    {
        JsonObject o => o.Any(kv => Within(kv.Value)),
        JsonArray a => a.Any(Within),
        _ => Is(node, out _),
    };

    /// <inheritdoc />
    public override string ToString() => Text;

    private sealed class UnknownJsonConverter : JsonConverter<Unknown>
    {
        public override Unknown? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new JsonException("An unknown plan value cannot be read back.");

        public override void Write(Utf8JsonWriter writer, Unknown value, JsonSerializerOptions options) => writer.WriteStringValue(value.Text);
    }
}
