using System.Text.Json.Nodes;
using Workflows.Abstractions.Secrets;

namespace Workflows.Engine.Expressions;

/// <summary>JSON tree helpers that keep <see cref="Secret"/> values intact (DeepClone would serialize them to the mask).</summary>
public static class JsonNodes
{
    /// <summary>Copies a tree; secrets stay secrets.</summary>
    public static JsonNode? Clone(JsonNode? node) => node switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out Secret? s) => JsonValue.Create(s),
        JsonValue v when v.TryGetValue(out Unknown? u) => JsonValue.Create(u),
        JsonObject o => new JsonObject(o.Select(kv => KeyValuePair.Create(kv.Key, Clone(kv.Value)))),
        JsonArray a => new JsonArray(a.Select(Clone).ToArray()),
        _ => node.DeepClone(),
    };
}
