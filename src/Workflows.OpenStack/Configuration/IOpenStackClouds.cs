namespace Workflows.OpenStack.Configuration;

/// <summary>Resolves cloud names to their full definitions (with secrets), and takes clouds added in code.</summary>
public interface IOpenStackClouds
{
    /// <summary>Returns the cloud named <paramref name="name"/>; null or empty means OS_CLOUD.</summary>
    /// <exception cref="OpenStackConfigurationException">No such cloud.</exception>
    CloudDefinition Get(string? name);

    /// <summary>Adds (or replaces) a cloud for the lifetime of the process, e.g. the sandbox; not persisted.</summary>
    void Add(CloudDefinition cloud);
}
