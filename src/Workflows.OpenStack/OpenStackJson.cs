using System.Text.Json;
using System.Text.Json.Serialization;

namespace Workflows.OpenStack;

/// <summary>The JSON conventions of the OpenStack APIs: snake_case names (explicit names where an API differs), nulls omitted on write.</summary>
public static class OpenStackJson
{
    /// <summary>Gets the shared options.</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var o = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            NumberHandling = JsonNumberHandling.AllowReadingFromString,
        };
        o.MakeReadOnly(populateMissingResolver: true);
        return o;
    }
}
