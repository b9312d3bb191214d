using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Workflows.Abstractions;
using Workflows.Abstractions.Secrets;

namespace Workflows.Engine.Secrets;

/// <summary>
/// Encrypts secrets at rest (AES-256-GCM) inside the JSON of run inputs and step outputs, and turns
/// secret values into masks for display or plain text for action binding.
/// </summary>
/// <remarks>
/// In memory a secret is a <see cref="JsonValue"/> holding a <see cref="Secret"/>; at rest it is
/// <c>{"$secret":"v1:&lt;base64(nonce|cipher|tag)&gt;"}</c>.
/// </remarks>
public sealed class SecretCodec
{
    private const string Marker = "$secret";
    private const string PlainMarker = "$secret-plain";
    private readonly byte[] key;

    /// <summary>Creates the codec with a 32-byte key.</summary>
    /// <exception cref="ArgumentException">The key is not 32 bytes.</exception>
    public SecretCodec(byte[] key)
    {
        if (key.Length != 32)
        {
            throw new ArgumentException("The secret key must be 32 bytes (base64 of 32 random bytes).", nameof(key));
        }

        this.key = key;
        OutputOptions = new JsonSerializerOptions(JsonDefaults.Options);
        OutputOptions.Converters.Insert(0, new PlainMarkerConverter());
        OutputOptions.MakeReadOnly(populateMissingResolver: true);
    }

    /// <summary>Gets options that serialize action outputs with secret markers, for <see cref="FromOutputs"/>.</summary>
    public JsonSerializerOptions OutputOptions { get; }

    /// <summary>Converts an action's outputs object to JSON with secrets as <see cref="Secret"/> values.</summary>
    public JsonNode? FromOutputs(object? outputs) => outputs switch
    {
        null => null,
        JsonNode n => Unmark(n),
        _ => Unmark(JsonSerializer.SerializeToNode(outputs, outputs.GetType(), OutputOptions)),
    };

    /// <summary>Serializes JSON for storage, encrypting secrets.</summary>
    public string Protect(JsonNode? node) => Transform(node, v => new JsonObject { [Marker] = Encrypt(v.Reveal()) })?.ToJsonString() ?? "null";

    /// <summary>
    /// Returns a keyed hash (HMAC-SHA256 under a key derived from the secret key) of <paramref name="text"/>: equal texts give
    /// equal fingerprints, and without the key a fingerprint cannot be checked against guesses of a secret it covers.
    /// </summary>
    public string Fingerprint(string text)
    {
        var derived = HKDF.DeriveKey(HashAlgorithmName.SHA256, key, 32, info: Encoding.UTF8.GetBytes("workflows:fingerprint:v1"));
        return Convert.ToHexStringLower(HMACSHA256.HashData(derived, Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>Parses stored JSON, decrypting secrets into <see cref="Secret"/> values.</summary>
    public JsonNode? Unprotect(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }

        return Decode(JsonNode.Parse(json));
    }

    /// <summary>Returns a copy with every secret replaced by <c>***</c>.</summary>
    public static JsonNode? Mask(JsonNode? node) => Transform(node, _ => JsonValue.Create(Secret.Mask));

    /// <summary>Returns a copy with every secret as plain text (for binding action inputs, in memory only).</summary>
    public static JsonNode? Reveal(JsonNode? node) => Transform(node, s => JsonValue.Create(s.Reveal()));

    /// <summary>
    /// Returns a copy of an action's outputs in which every plain text that contains one of <paramref name="secrets"/>
    /// (those of at least <see cref="Redactor.MinLength"/> characters) is itself a secret: stored encrypted, shown
    /// masked, and still usable by later steps. An action that echoes a secret input in a plain output cannot leak it.
    /// </summary>
    public static JsonNode? SealKnown(JsonNode? node, IReadOnlyCollection<string> secrets)
    {
        var needles = secrets.Where(x => x.Length >= Redactor.MinLength).ToList();
        return needles.Count == 0 ? node : Seal(node);

        JsonNode? Seal(JsonNode? n) => n switch
        {
            JsonValue v when v.TryGetValue(out Secret? _) => Workflows.Engine.Expressions.JsonNodes.Clone(v),
            JsonValue v when v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() is { } text && needles.Exists(x => text.Contains(x, StringComparison.Ordinal)) => JsonValue.Create(new Secret(text)),
            JsonObject o => new JsonObject(o.Select(kv => KeyValuePair.Create(kv.Key, Seal(kv.Value)))),
            JsonArray a => new JsonArray(a.Select(Seal).ToArray()),
            _ => Workflows.Engine.Expressions.JsonNodes.Clone(n),
        };
    }

    /// <summary>Adds the plain text of every secret in <paramref name="node"/> to <paramref name="into"/>.</summary>
    public static void Collect(JsonNode? node, ISet<string> into)
    {
        switch (node)
        {
            case JsonValue v when v.TryGetValue(out Secret? s):
                into.Add(s.Reveal());
                break;
            case JsonObject o:
                foreach (var (_, c) in o)
                {
                    Collect(c, into);
                }

                break;
            case JsonArray a:
                foreach (var c in a)
                {
                    Collect(c, into);
                }

                break;
        }
    }

    /// <summary>Masks every secret of a stored JSON text (for read models), without decrypting.</summary>
    public static JsonNode? MaskStored(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }

        return MaskMarkers(JsonNode.Parse(json));
    }

    /// <summary>Creates a random 32-byte key.</summary>
    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(32);

    private static JsonNode? MaskMarkers(JsonNode? node) => node switch
    {
        JsonObject o when o.Count == 1 && o.ContainsKey(Marker) => JsonValue.Create(Secret.Mask),
        JsonObject o => new JsonObject(o.Select(kv => KeyValuePair.Create(kv.Key, MaskMarkers(kv.Value)))),
        JsonArray a => new JsonArray(a.Select(MaskMarkers).ToArray()),
        _ => Workflows.Engine.Expressions.JsonNodes.Clone(node),
    };

    private static JsonNode? Transform(JsonNode? node, Func<Secret, JsonNode> f) => node switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out Secret? s) => f(s),
        JsonObject o => new JsonObject(o.Select(kv => KeyValuePair.Create(kv.Key, Transform(kv.Value, f)))),
        JsonArray a => new JsonArray(a.Select(i => Transform(i, f)).ToArray()),
        _ => Workflows.Engine.Expressions.JsonNodes.Clone(node),
    };

    private static JsonNode? Unmark(JsonNode? node) => node switch
    {
        JsonObject o when o.Count == 1 && o[PlainMarker] is JsonValue pv => JsonValue.Create(new Secret(pv.GetValue<string>())),
        JsonObject o => new JsonObject(o.Select(kv => KeyValuePair.Create(kv.Key, Unmark(kv.Value)))),
        JsonArray a => new JsonArray(a.Select(Unmark).ToArray()),
        _ => Workflows.Engine.Expressions.JsonNodes.Clone(node),
    };

    private JsonNode? Decode(JsonNode? node) => node switch
    {
        JsonObject o when o.Count == 1 && o[Marker] is JsonValue ev => JsonValue.Create(new Secret(Decrypt(ev.GetValue<string>()))),
        JsonObject o => new JsonObject(o.Select(kv => KeyValuePair.Create(kv.Key, Decode(kv.Value)))),
        JsonArray a => new JsonArray(a.Select(Decode).ToArray()),
        _ => Workflows.Engine.Expressions.JsonNodes.Clone(node),
    };

    /// <summary>Encrypts a text under the secret key (<c>v1:</c> + base64 of nonce, cipher and tag).</summary>
    public string EncryptText(string plain) => Encrypt(plain);

    /// <summary>Decrypts what <see cref="EncryptText"/> returned.</summary>
    /// <exception cref="CryptographicException">Another key, an unknown format or an altered text.</exception>
    public string DecryptText(string stored) => Decrypt(stored);

    private string Encrypt(string plain)
    {
        var data = Encoding.UTF8.GetBytes(plain);
        var nonce = RandomNumberGenerator.GetBytes(12);
        var cipher = new byte[data.Length];
        var tag = new byte[16];
        using var aes = new AesGcm(key, 16);
        aes.Encrypt(nonce, data, cipher, tag);
        return "v1:" + Convert.ToBase64String([.. nonce, .. cipher, .. tag]);
    }

    private string Decrypt(string stored)
    {
        if (!stored.StartsWith("v1:", StringComparison.Ordinal))
        {
            throw new CryptographicException("Unknown secret format.");
        }

        var all = Convert.FromBase64String(stored[3..]);
        var nonce = all.AsSpan(0, 12);
        var tag = all.AsSpan(all.Length - 16);
        var cipher = all.AsSpan(12, all.Length - 28);
        var plain = new byte[cipher.Length];
        using var aes = new AesGcm(key, 16);
        try
        {
            aes.Decrypt(nonce, cipher, tag, plain);
        }
        catch (AuthenticationTagMismatchException e)
        {
            // Never include the ciphertext: just say which key is wrong.
            throw new CryptographicException("A stored secret cannot be decrypted with the configured Workflows:SecretKey (was the key changed?).", e);
        }

        return Encoding.UTF8.GetString(plain);
    }

    private sealed class PlainMarkerConverter : JsonConverter<Secret>
    {
        public override Secret? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.String ? new Secret(reader.GetString()!) : null;

        public override void Write(Utf8JsonWriter writer, Secret value, JsonSerializerOptions options)
        {
            writer.WriteStartObject();
            writer.WriteString(PlainMarker, value.Reveal());
            writer.WriteEndObject();
        }
    }
}
