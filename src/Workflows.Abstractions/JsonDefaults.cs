using System.Text.Json;
using System.Text.Json.Serialization;

namespace Workflows.Abstractions;

/// <summary>The JSON conventions of inputs, outputs and state: camelCase, case-insensitive reads, enums as strings.</summary>
public static class JsonDefaults
{
    /// <summary>Gets the shared options. Do not mutate.</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var o = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            NumberHandling = JsonNumberHandling.AllowReadingFromString,
        };
        o.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        o.MakeReadOnly(populateMissingResolver: true);
        return o;
    }
}
