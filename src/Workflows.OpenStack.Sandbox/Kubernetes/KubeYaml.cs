using System.Text.Json.Nodes;
using Workflows.Abstractions.Yaml;
using YamlDotNet.RepresentationModel;

namespace Workflows.OpenStack.Sandbox.Kubernetes;

/// <summary>
/// Reads a YAML (or JSON) body, as <c>application/yaml</c> and <c>application/apply-patch+yaml</c> allow, into JSON
/// through the shared <see cref="YamlReader"/>: YAML 1.2 core scalars, and a malformed body is a 400 naming the path,
/// line and column, never a 500.
/// </summary>
internal static class KubeYaml
{
    public static JsonNode Parse(string text)
    {
        IReadOnlyList<YamlNode> documents;
        try
        {
            documents = YamlReader.ParseDocuments(text);
        }
        catch (YamlReadException ex)
        {
            throw KubeStatus.BadRequest($"error decoding YAML: {ex.Message}");
        }

        if (documents.Count != 1)
        {
            throw KubeStatus.BadRequest("error decoding YAML: the body must hold exactly one document");
        }

        return YamlReader.ToJson(documents[0]) ?? throw KubeStatus.BadRequest("error decoding YAML: the body is empty");
    }
}
