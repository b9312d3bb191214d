using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Workflows.OpenStack.Sandbox.Kubernetes;

/// <summary>
/// Decodes the <c>application/vnd.kubernetes.protobuf</c> bodies kubectl's generators send (<c>kubectl create
/// namespace|configmap|secret generic|deployment</c>): the <c>k8s\0</c> envelope (a <c>runtime.Unknown</c> with the
/// type meta and the raw object) and the generated.proto messages of those kinds, as far as the generators fill them.
/// </summary>
/// <remarks>
/// The messages are proto2 with non-pointer fields always written, so empty strings, zeros and false are dropped as
/// JSON's <c>omitempty</c> would (pointer fields such as <c>replicas</c> keep their zero). A field this table does not
/// know is refused (415), never dropped silently.
/// </remarks>
internal static class KubeProtobuf
{
    private static readonly byte[] Magic = "k8s\0"u8.ToArray();

    private enum K
    {
        String,
        Int,
        Bool,
        Bytes,
        Message,
        StringMap,
        BytesMap,
        QuantityMap,
        IntOrString,
        Time,
    }

    /// <summary>One field of a message: JSON name, kind, sub-message, repeated, and whether a zero is kept (a pointer field).</summary>
    private sealed record F(string Name, K Kind, string? Message = null, bool Repeated = false, bool KeepZero = false);

    private static readonly Dictionary<string, Dictionary<int, F>> Messages = new(StringComparer.Ordinal)
    {
        ["ObjectMeta"] = new()
        {
            [1] = new("name", K.String), [2] = new("generateName", K.String), [3] = new("namespace", K.String), [4] = new("selfLink", K.String), [5] = new("uid", K.String),
            [6] = new("resourceVersion", K.String), [7] = new("generation", K.Int), [8] = new("creationTimestamp", K.Time),
            [11] = new("labels", K.StringMap), [12] = new("annotations", K.StringMap), [14] = new("finalizers", K.String, Repeated: true),
        },
        ["Namespace"] = new() { [1] = new("metadata", K.Message, "ObjectMeta"), [2] = new("spec", K.Message, "NamespaceSpec"), [3] = new("status", K.Message, "Ignored") },
        ["NamespaceSpec"] = new() { [1] = new("finalizers", K.String, Repeated: true) },
        ["ConfigMap"] = new() { [1] = new("metadata", K.Message, "ObjectMeta"), [2] = new("data", K.StringMap), [3] = new("binaryData", K.BytesMap), [4] = new("immutable", K.Bool, KeepZero: true) },
        ["Secret"] = new() { [1] = new("metadata", K.Message, "ObjectMeta"), [2] = new("data", K.BytesMap), [3] = new("type", K.String), [4] = new("stringData", K.StringMap), [5] = new("immutable", K.Bool, KeepZero: true) },
        ["Deployment"] = new() { [1] = new("metadata", K.Message, "ObjectMeta"), [2] = new("spec", K.Message, "DeploymentSpec"), [3] = new("status", K.Message, "Ignored") },
        ["DeploymentSpec"] = new()
        {
            [1] = new("replicas", K.Int, KeepZero: true), [2] = new("selector", K.Message, "LabelSelector"), [3] = new("template", K.Message, "PodTemplateSpec"),
            [4] = new("strategy", K.Message, "DeploymentStrategy"), [5] = new("minReadySeconds", K.Int), [6] = new("revisionHistoryLimit", K.Int, KeepZero: true),
            [7] = new("paused", K.Bool), [9] = new("progressDeadlineSeconds", K.Int, KeepZero: true),
        },
        ["DeploymentStrategy"] = new() { [1] = new("type", K.String), [2] = new("rollingUpdate", K.Message, "RollingUpdateDeployment") },
        ["RollingUpdateDeployment"] = new() { [1] = new("maxUnavailable", K.IntOrString), [2] = new("maxSurge", K.IntOrString) },
        ["LabelSelector"] = new() { [1] = new("matchLabels", K.StringMap), [2] = new("matchExpressions", K.Message, "LabelSelectorRequirement", Repeated: true) },
        ["LabelSelectorRequirement"] = new() { [1] = new("key", K.String), [2] = new("operator", K.String), [3] = new("values", K.String, Repeated: true) },
        ["PodTemplateSpec"] = new() { [1] = new("metadata", K.Message, "ObjectMeta"), [2] = new("spec", K.Message, "PodSpec") },
        ["PodSpec"] = new()
        {
            [2] = new("containers", K.Message, "Container", Repeated: true), [3] = new("restartPolicy", K.String), [4] = new("terminationGracePeriodSeconds", K.Int, KeepZero: true),
            [6] = new("dnsPolicy", K.String), [7] = new("nodeSelector", K.StringMap), [8] = new("serviceAccountName", K.String), [9] = new("serviceAccount", K.String),
            [10] = new("nodeName", K.String), [11] = new("hostNetwork", K.Bool), [12] = new("hostPID", K.Bool), [13] = new("hostIPC", K.Bool),
            [14] = new("securityContext", K.Message, "Empty"), [16] = new("hostname", K.String), [17] = new("subdomain", K.String), [19] = new("schedulerName", K.String),
            [24] = new("priorityClassName", K.String),
        },
        ["Container"] = new()
        {
            [1] = new("name", K.String), [2] = new("image", K.String), [3] = new("command", K.String, Repeated: true), [4] = new("args", K.String, Repeated: true),
            [5] = new("workingDir", K.String), [6] = new("ports", K.Message, "ContainerPort", Repeated: true), [8] = new("resources", K.Message, "ResourceRequirements"),
            [13] = new("terminationMessagePath", K.String), [14] = new("imagePullPolicy", K.String), [16] = new("stdin", K.Bool), [17] = new("stdinOnce", K.Bool),
            [18] = new("tty", K.Bool), [20] = new("terminationMessagePolicy", K.String),
        },
        ["ContainerPort"] = new() { [1] = new("name", K.String), [2] = new("hostPort", K.Int), [3] = new("containerPort", K.Int), [4] = new("protocol", K.String), [5] = new("hostIP", K.String) },
        ["ResourceRequirements"] = new() { [1] = new("limits", K.QuantityMap), [2] = new("requests", K.QuantityMap) },
        ["Empty"] = new(),
    };

    /// <summary>Messages whose content the API server ignores on create (the status): skipped whatever they hold.</summary>
    private const string Ignored = "Ignored";

    /// <summary>Gets whether <paramref name="contentType"/> is the Kubernetes protobuf media type.</summary>
    public static bool IsProtobuf(string contentType) => contentType.Split(';')[0].Trim().Equals("application/vnd.kubernetes.protobuf", StringComparison.OrdinalIgnoreCase);

    /// <summary>Decodes a protobuf request body for <paramref name="type"/> into the JSON object it stands for.</summary>
    /// <exception cref="KubeStatusException">415 for a kind or field this decoder does not know, 400 for a malformed body.</exception>
    public static JsonObject Decode(byte[] body, KubeResourceType type)
    {
        if (body.Length < Magic.Length || !body.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw KubeStatus.BadRequest("the protobuf body does not start with the k8s\\0 envelope");
        }

        string? apiVersion = null, kind = null;
        ReadOnlyMemory<byte> raw = default;
        try
        {
            foreach (var (number, value) in Fields(body.AsMemory(Magic.Length)))
            {
                if (number == 1)
                {
                    foreach (var (n, v) in Fields(value.Bytes))
                    {
                        if (n == 1)
                        {
                            apiVersion = Encoding.UTF8.GetString(v.Bytes.Span);
                        }
                        else if (n == 2)
                        {
                            kind = Encoding.UTF8.GetString(v.Bytes.Span);
                        }
                    }
                }
                else if (number == 2)
                {
                    raw = value.Bytes;
                }
            }

            kind ??= type.Kind;
            if (kind != type.Kind || !Messages.ContainsKey(kind))
            {
                throw Unsupported($"kind {kind}");
            }

            var o = new JsonObject { ["apiVersion"] = apiVersion ?? type.ApiVersion, ["kind"] = kind };
            foreach (var (k, v) in Message(raw, kind))
            {
                o[k] = v?.DeepClone();
            }

            return o;
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or IndexOutOfRangeException or OverflowException)
        {
            throw KubeStatus.BadRequest("the protobuf body is malformed");
        }
    }

    private static KubeStatusException Unsupported(string what) =>
        new(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (the sandbox decodes protobuf only for what kubectl's generators send; not {what})");

    private static JsonObject Message(ReadOnlyMemory<byte> data, string message)
    {
        if (message == Ignored)
        {
            return new JsonObject();
        }

        var schema = Messages[message];
        var o = new JsonObject();
        foreach (var (number, value) in Fields(data))
        {
            if (!schema.TryGetValue(number, out var f))
            {
                throw Unsupported($"field {number} of {message}");
            }

            JsonNode? node = f.Kind switch
            {
                K.String => Encoding.UTF8.GetString(value.Bytes.Span) is { Length: > 0 } s ? s : null,
                K.Int => value.Varint != 0 || f.KeepZero ? JsonValue.Create((long)value.Varint) : null,
                K.Bool => value.Varint != 0 ? true : f.KeepZero ? false : null,
                K.Bytes => Convert.ToBase64String(value.Bytes.Span),
                K.Message => Message(value.Bytes, f.Message!),
                K.IntOrString => IntOrString(value.Bytes),
                K.Time => Time(value.Bytes),
                _ => null,
            };
            if (f.Kind is K.StringMap or K.BytesMap or K.QuantityMap)
            {
                var map = o[f.Name] as JsonObject ?? new JsonObject();
                var (key, entry) = MapEntry(value.Bytes, f.Kind);
                map[key] = entry;
                o[f.Name] = map;
                continue;
            }

            if (f.Repeated)
            {
                var array = o[f.Name] as JsonArray ?? new JsonArray();
                array.Add(node ?? (f.Kind == K.String ? string.Empty : null));
                o[f.Name] = array;
            }
            else if (node is not null)
            {
                o[f.Name] = node;
            }
        }

        return o;
    }

    private static (string Key, JsonNode? Value) MapEntry(ReadOnlyMemory<byte> data, K kind)
    {
        string key = string.Empty;
        JsonNode? value = kind == K.BytesMap ? string.Empty : string.Empty;
        foreach (var (n, v) in Fields(data))
        {
            if (n == 1)
            {
                key = Encoding.UTF8.GetString(v.Bytes.Span);
            }
            else if (n == 2)
            {
                value = kind switch
                {
                    K.BytesMap => Convert.ToBase64String(v.Bytes.Span),
                    // resource.Quantity is a message with its string form in field 1.
                    K.QuantityMap => Fields(v.Bytes).Where(q => q.Number == 1).Select(q => Encoding.UTF8.GetString(q.Value.Bytes.Span)).FirstOrDefault() ?? "0",
                    _ => Encoding.UTF8.GetString(v.Bytes.Span),
                };
            }
        }

        return (key, value);
    }

    private static JsonNode? IntOrString(ReadOnlyMemory<byte> data)
    {
        long type = 0, intVal = 0;
        var strVal = string.Empty;
        foreach (var (n, v) in Fields(data))
        {
            switch (n)
            {
                case 1: type = (long)v.Varint; break;
                case 2: intVal = (long)v.Varint; break;
                case 3: strVal = Encoding.UTF8.GetString(v.Bytes.Span); break;
            }
        }

        return type == 1 ? strVal : JsonValue.Create(intVal);
    }

    private static JsonNode? Time(ReadOnlyMemory<byte> data)
    {
        long seconds = 0;
        foreach (var (n, v) in Fields(data))
        {
            if (n == 1)
            {
                seconds = (long)v.Varint;
            }
        }

        // The zero time (year 1) is how a null creationTimestamp travels.
        return seconds <= -62135596800 || seconds == 0
            ? null
            : DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
    }

    private readonly record struct Value(ulong Varint, ReadOnlyMemory<byte> Bytes);

    private static IEnumerable<(int Number, Value Value)> Fields(ReadOnlyMemory<byte> data)
    {
        var i = 0;
        while (i < data.Length)
        {
            var tag = ReadVarint(data.Span, ref i);
            var number = (int)(tag >> 3);
            switch (tag & 7)
            {
                case 0:
                    yield return (number, new Value(ReadVarint(data.Span, ref i), default));
                    break;
                case 2:
                    var length = checked((int)ReadVarint(data.Span, ref i));
                    yield return (number, new Value(0, data.Slice(i, length)));
                    i += length;
                    break;
                case 1:
                    i += 8;
                    break;
                case 5:
                    i += 4;
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(data), "unknown wire type");
            }
        }
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int i)
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = data[i++];
            result |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }

        throw new OverflowException("varint too long");
    }
}
