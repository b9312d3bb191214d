using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Resources;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers how ledger resources are deleted.</summary>
public static class ResourceDeleterServiceCollectionExtensions
{
    /// <summary>
    /// Registers <paramref name="action"/> as the delete action of the ledger kind <paramref name="kind"/>,
    /// called with <paramref name="inputs"/> built from the ledger row.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="kind">The ledger kind, e.g. <c>nova.server</c>.</param>
    /// <param name="action">The delete action's name, e.g. <c>nova.server.delete</c>.</param>
    /// <param name="inputs">The action's inputs for one ledger row (literal strings).</param>
    public static IServiceCollection AddResourceDeleter(this IServiceCollection services, string kind, string action, Func<ResourceEntry, IReadOnlyDictionary<string, string>> inputs)
    {
        services.AddSingleton(new ResourceDeleter(kind, action, inputs));
        return services;
    }
}
