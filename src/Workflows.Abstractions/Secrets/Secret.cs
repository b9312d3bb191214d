using System.Text.Json;
using System.Text.Json.Serialization;

namespace Workflows.Abstractions.Secrets;

/// <summary>
/// A secret value (password, token, private key). <see cref="ToString"/> and the default JSON
/// serialization never reveal it; only <see cref="Reveal"/> does, at the point of use.
/// </summary>
/// <remarks>
/// Action inputs of this type bind from the plain string the engine decrypts in memory; outputs of
/// this type are encrypted at rest by the engine and masked in the API, the portal and the audit.
/// </remarks>
[JsonConverter(typeof(SecretJsonConverter))]
public sealed class Secret : IEquatable<Secret>
{
    /// <summary>The text shown wherever a secret would otherwise appear.</summary>
    public const string Mask = "***";

    private readonly string value;

    /// <summary>Wraps <paramref name="value"/>.</summary>
    /// <exception cref="ArgumentNullException">When <paramref name="value"/> is null.</exception>
    public Secret(string value) => this.value = value ?? throw new ArgumentNullException(nameof(value));

    /// <summary>Returns the secret text. Call it only where the value is handed to the system that needs it.</summary>
    public string Reveal() => value;

    /// <summary>Returns <see cref="Mask"/>, never the value.</summary>
    public override string ToString() => Mask;

    /// <inheritdoc />
    public bool Equals(Secret? other) => other is not null && string.Equals(value, other.value, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Secret s && Equals(s);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(value);
}

/// <summary>
/// Reads a secret from a JSON string; writes only the mask. The engine uses its own converter to
/// persist secret outputs encrypted.
/// </summary>
public sealed class SecretJsonConverter : JsonConverter<Secret>
{
    /// <inheritdoc />
    public override Secret? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType switch
        {
            JsonTokenType.Null => null,
            JsonTokenType.String => new Secret(reader.GetString()!),
            _ => throw new JsonException("A secret must be a string."),
        };

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, Secret value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Secret.Mask);
}
