using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Workflows.OpenStack.Sandbox.Kubernetes;

/// <summary>Reads a YAML (or JSON) body, as <c>application/apply-patch+yaml</c> allows, into JSON with YAML 1.2 core scalars.</summary>
internal static class KubeYaml
{
    public static JsonNode Parse(string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (Exception ex) when (ex is YamlException or InvalidOperationException or ArgumentException)
        {
            // YamlDotNet's scanner throws more than YamlException on some malformed input: a client's bad body is a 400, never a 500.
            throw KubeStatus.BadRequest($"error decoding YAML: {ex.Message}");
        }

        if (stream.Documents.Count != 1)
        {
            throw KubeStatus.BadRequest("error decoding YAML: the body must hold exactly one document");
        }

        return Convert(stream.Documents[0].RootNode) ?? throw KubeStatus.BadRequest("error decoding YAML: the body is empty");
    }

    private static JsonNode? Convert(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode map:
                var o = new JsonObject();
                foreach (var (k, v) in map.Children)
                {
                    o[(k as YamlScalarNode ?? throw KubeStatus.BadRequest($"error decoding YAML: a key at line {k.Start.Line}, column {k.Start.Column} is not a plain value")).Value ?? string.Empty] = Convert(v);
                }

                return o;
            case YamlSequenceNode seq:
                return new JsonArray(seq.Children.Select(Convert).ToArray());
            case YamlScalarNode scalar:
                var s = scalar.Value ?? string.Empty;
                if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded)
                {
                    return JsonValue.Create(s);
                }

                if (s is "" or "~" or "null" or "Null" or "NULL")
                {
                    return null;
                }

                if (s is "true" or "True" or "TRUE")
                {
                    return JsonValue.Create(true);
                }

                if (s is "false" or "False" or "FALSE")
                {
                    return JsonValue.Create(false);
                }

                if (long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
                {
                    return JsonValue.Create(l);
                }

                if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && s.Any(char.IsDigit))
                {
                    return JsonValue.Create(d);
                }

                return JsonValue.Create(s);
            default:
                return null;
        }
    }
}
