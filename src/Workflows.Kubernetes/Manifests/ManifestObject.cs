using System.Text.Json.Nodes;
using Workflows.Kubernetes.Client;

namespace Workflows.Kubernetes.Manifests;

/// <summary>One object of a manifest, with where it was written.</summary>
/// <param name="Document">The document's number in the manifest, from 1.</param>
/// <param name="Line">The line its document starts on, from 1.</param>
/// <param name="Body">The object as JSON.</param>
/// <param name="Positions">The line and column of each field path (e.g. <c>spec.template.spec.containers[0].image</c>).</param>
public sealed record ManifestObject(int Document, int Line, JsonObject Body, IReadOnlyDictionary<string, (int Line, int Column)> Positions)
{
    /// <summary>Gets <c>apiVersion</c>.</summary>
    public string ApiVersion => Body["apiVersion"]!.GetValue<string>();

    /// <summary>Gets <c>kind</c>.</summary>
    public string Kind => Body["kind"]!.GetValue<string>();

    /// <summary>Gets <c>metadata.name</c>.</summary>
    public string Name => Body["metadata"]!["name"]!.GetValue<string>();

    /// <summary>Gets <c>metadata.namespace</c>, if written.</summary>
    public string? Namespace => Body["metadata"]?["namespace"]?.GetValue<string>();

    /// <summary>Returns the reference, placing a namespaced object without a namespace into <paramref name="defaultNamespace"/>.</summary>
    public ObjectRef RefIn(ResourceInfo resource, string defaultNamespace) =>
        new(ApiVersion, Kind, resource.Namespaced ? Namespace ?? defaultNamespace : null, Name);

    /// <summary>Returns "document 2 (line 14)" or, for a field, "document 2, line 17, column 9, field spec.replicas".</summary>
    public string Where(string? field = null)
    {
        if (field is null)
        {
            return $"document {Document} (line {Line})";
        }

        // The longest written prefix of the field: a server may name a field the manifest left to defaults.
        for (var path = field; path.Length > 0; path = Parent(path))
        {
            if (Positions.TryGetValue(path, out var at))
            {
                return $"document {Document}, line {at.Line}, column {at.Column}, field {field}";
            }
        }

        return $"document {Document} (line {Line}), field {field}";
    }

    private static string Parent(string path)
    {
        var cut = Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
        return cut <= 0 ? string.Empty : path[..cut];
    }
}

/// <summary>A manifest that cannot be applied, naming the document, the line and the field.</summary>
/// <param name="document">The document's number, from 1.</param>
/// <param name="line">The line, from 1.</param>
/// <param name="column">The column, from 1.</param>
/// <param name="field">The field path, if the problem is in one.</param>
/// <param name="problem">What is wrong.</param>
public sealed class ManifestException(int document, int line, int column, string? field, string problem)
    : Exception($"manifest document {document}, line {line}, column {column}{(field is null ? string.Empty : $", field {field}")}: {problem}")
{
    /// <summary>Gets the document's number, from 1.</summary>
    public int Document { get; } = document;

    /// <summary>Gets the line, from 1.</summary>
    public int Line { get; } = line;

    /// <summary>Gets the column, from 1.</summary>
    public int Column { get; } = column;

    /// <summary>Gets the field path, if any.</summary>
    public string? Field { get; } = field;

    /// <summary>Gets what is wrong.</summary>
    public string Problem { get; } = problem;
}
