using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Workflows.Abstractions;
using Workflows.Abstractions.Secrets;

namespace Workflows.Testing;

/// <summary>How the kit turns test inputs into the JSON an action receives: as the engine does, secrets in plain text (in memory only).</summary>
public static class KitJson
{
    /// <summary>Gets the serializer options of inputs: <see cref="JsonDefaults.Options"/>, but a <see cref="Secret"/> is written in plain text.</summary>
    public static JsonSerializerOptions PlainSecrets { get; } = new(JsonDefaults.Options) { Converters = { new PlainSecretConverter() } };

    /// <summary>Returns <paramref name="inputs"/> (an object, a dictionary or a <see cref="JsonObject"/>) as a JSON object with secrets in plain text.</summary>
    /// <param name="inputs">The inputs.</param>
    /// <param name="secrets">Receives every <see cref="Secret"/> met on the way, to be redacted.</param>
    public static JsonObject ToInputs(object inputs, Redactor? secrets = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs is JsonObject json)
        {
            return json;
        }

        // Serialization is synchronous: the converter finds the redactor to feed on this thread.
        var outer = collecting;
        collecting = secrets;
        try
        {
            return JsonSerializer.SerializeToNode(inputs, inputs.GetType(), PlainSecrets)?.AsObject()
                ?? throw new ArgumentException("The inputs serialize to null.", nameof(inputs));
        }
        finally
        {
            collecting = outer;
        }
    }

    /// <summary>Returns a value as JSON the way the engine stores a pending state or outputs (secrets masked).</summary>
    /// <param name="value">The value, or null.</param>
    public static JsonElement? ToStored(object? value) =>
        value is null ? null : JsonSerializer.SerializeToElement(value, value.GetType(), JsonDefaults.Options);

    [ThreadStatic]
    private static Redactor? collecting;

    private sealed class PlainSecretConverter : JsonConverter<Secret>
    {
        public override Secret? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? null : new Secret(reader.GetString()!);

        public override void Write(Utf8JsonWriter writer, Secret value, JsonSerializerOptions options)
        {
            collecting?.Add(value);
            writer.WriteStringValue(value.Reveal());
        }
    }
}
