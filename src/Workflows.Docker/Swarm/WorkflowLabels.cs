using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Workflows.Docker.Swarm;

/// <summary>The labels through which the Docker actions find what a step created and whether a spec changed.</summary>
public static class WorkflowLabels
{
    /// <summary>The idempotency key of the step that last deployed the object.</summary>
    public const string IdempotencyKey = "io.workflows.idempotency-key";

    /// <summary>The idempotency key of the step that created the object.</summary>
    public const string CreatedBy = "io.workflows.created-by";

    /// <summary>The run that last deployed the object.</summary>
    public const string RunId = "io.workflows.run-id";

    /// <summary>A hash of the desired spec (workflow labels excluded): equal hash, nothing to do.</summary>
    public const string SpecHash = "io.workflows.spec-hash";

    /// <summary>The app a plain container belongs to (replacement finds the previous one by it).</summary>
    public const string App = "io.workflows.app";

    /// <summary>The stack namespace label <c>docker stack</c> uses, so the CLI sees our stacks too.</summary>
    public const string StackNamespace = "com.docker.stack.namespace";

    private static readonly JsonSerializerOptions HashOptions = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>Hashes an object's JSON form (first 16 hex digits of SHA-256).</summary>
    public static string Hash(object value)
    {
        var json = JsonSerializer.Serialize(value, value.GetType(), HashOptions);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)))[..16];
    }
}

/// <summary>Reads labels of Docker models (which expose <see cref="IDictionary{TKey, TValue}"/>).</summary>
public static class LabelExtensions
{
    /// <summary>Returns the label's value, or null.</summary>
    public static string? Label(this IDictionary<string, string>? labels, string key) =>
        labels is not null && labels.TryGetValue(key, out var value) ? value : null;
}
