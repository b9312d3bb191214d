namespace Workflows.Abstractions.Runs;

/// <summary>Reads of <see cref="IWorkflowCatalog"/> that the API and the portal share.</summary>
public static class WorkflowCatalogExtensions
{
    /// <summary>
    /// Returns the load errors that belong to workflow <paramref name="name"/>: those of the file its active version
    /// came from (a broken edit, the previous version staying active), or of a file named after it
    /// (<c>name.yaml</c>/<c>name.yml</c>, which may have no active version at all).
    /// </summary>
    public static IReadOnlyList<DefinitionError> ErrorsOf(this IWorkflowCatalog catalog, string name)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var source = catalog.Get(name)?.Source;
        return catalog.Errors
            .Where(e => (source is not null && string.Equals(e.File, source, StringComparison.Ordinal))
                || string.Equals(Path.GetFileNameWithoutExtension(e.File), name, StringComparison.Ordinal))
            .ToList();
    }
}
