using Workflows.Abstractions.Clouds;

namespace Workflows.OpenStack.Configuration;

/// <summary>The clouds of the <see cref="ICloudCatalog"/> (clouds.yaml, OS_* variables, registered clouds, the sandbox) as the engine asks for them.</summary>
/// <param name="catalog">The cloud catalog.</param>
public sealed class OpenStackCloudDirectory(ICloudCatalog catalog) : ICloudDirectory
{
    /// <inheritdoc />
    public bool Exists(string name) => catalog.List().Any(c => string.Equals(c.Name, name, StringComparison.Ordinal));

    /// <inheritdoc />
    public IReadOnlyList<string> Names() => [.. catalog.List().Select(c => c.Name)];
}
