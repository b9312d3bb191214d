using Workflows.Abstractions.Secrets;

namespace Workflows.OpenStack.Identity;

/// <summary>A Keystone v3 token with its scope and service catalog.</summary>
/// <param name="Value">The token (the <c>X-Subject-Token</c> header).</param>
/// <param name="ExpiresAt">When it expires.</param>
/// <param name="UserId">The user's id.</param>
/// <param name="ProjectId">The project's id.</param>
/// <param name="Catalog">The service catalog.</param>
public sealed record Token(Secret Value, DateTimeOffset ExpiresAt, string UserId, string? ProjectId, ServiceCatalog Catalog);

/// <summary>An endpoint of the catalog.</summary>
/// <param name="ServiceType">The service type, e.g. <c>compute</c>.</param>
/// <param name="Interface">public, internal or admin.</param>
/// <param name="Region">The region id.</param>
/// <param name="Url">The URL.</param>
public sealed record CatalogEndpoint(string ServiceType, string Interface, string? Region, Uri Url);

/// <summary>The service catalog of a token: finds endpoints by service type, interface and region.</summary>
public sealed class ServiceCatalog(IReadOnlyList<CatalogEndpoint> endpoints)
{
    /// <summary>Gets every endpoint.</summary>
    public IReadOnlyList<CatalogEndpoint> Endpoints { get; } = endpoints;

    /// <summary>Returns the URL of <paramref name="serviceType"/> (also matching its aliases, e.g. <c>container-infra</c>/<c>container_infra</c>).</summary>
    /// <exception cref="OpenStackConfigurationException">No endpoint matches.</exception>
    public Uri GetEndpoint(string serviceType, string @interface, string? region)
    {
        var types = serviceType switch
        {
            "container-infra" => new[] { "container-infra", "container_infra", "container" },
            "compute" => ["compute"],
            "image" => ["image"],
            "network" => ["network"],
            "identity" => ["identity"],
            _ => [serviceType],
        };
        var candidates = Endpoints.Where(e => types.Contains(e.ServiceType, StringComparer.Ordinal)
            && string.Equals(e.Interface, @interface, StringComparison.OrdinalIgnoreCase)
            && (region is null || string.Equals(e.Region, region, StringComparison.Ordinal)))
            .ToList();
        if (candidates.Count == 0)
        {
            var available = string.Join(", ", Endpoints.Select(e => $"{e.ServiceType}/{e.Interface}/{e.Region}").Distinct(StringComparer.Ordinal));
            throw new OpenStackConfigurationException(
                $"The service catalog has no {serviceType} endpoint for interface '{@interface}'{(region is null ? string.Empty : $" in region '{region}'")} (available: {available}).");
        }

        return candidates[0].Url;
    }
}
