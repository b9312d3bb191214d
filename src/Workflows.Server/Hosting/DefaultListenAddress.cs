namespace Workflows.Server.Hosting;

/// <summary>
/// Listens on loopback (<see cref="Url"/>) when nothing says where to listen, so <c>dotnet run</c> never
/// exposes the portal to the network by accident, while the standard ways to choose an address keep working.
/// </summary>
/// <remarks>
/// The default used to be <c>"Urls"</c> in appsettings.json, but application configuration wins over the
/// <c>ASPNETCORE_URLS</c> host variable, so the container's <c>ASPNETCORE_URLS=http://0.0.0.0:8080</c> was
/// ignored and the server listened on 127.0.0.1:5080 inside it.
/// </remarks>
public static class DefaultListenAddress
{
    /// <summary>The loopback address used when none is configured.</summary>
    public const string Url = "http://127.0.0.1:5080";

    /// <summary>
    /// Applies <see cref="Url"/> unless an address comes from <c>ASPNETCORE_URLS</c>/<c>DOTNET_URLS</c>, <c>--urls</c>,
    /// a <c>Urls</c> setting, <c>ASPNETCORE_HTTP_PORTS</c>/<c>HTTPS_PORTS</c> (set by the official container images)
    /// or <c>Kestrel:Endpoints</c>.
    /// </summary>
    /// <param name="builder">The application builder.</param>
    /// <returns>Whether the default was applied.</returns>
    public static bool UseLoopbackUnlessConfigured(this WebApplicationBuilder builder)
    {
        if (IsConfigured(builder.Configuration))
        {
            return false;
        }

        builder.WebHost.UseUrls(Url);
        return true;
    }

    /// <summary>Gets whether the configuration names where to listen.</summary>
    /// <param name="configuration">The application's configuration (host variables included).</param>
    /// <returns>True when an address, a port or a Kestrel endpoint is configured.</returns>
    public static bool IsConfigured(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration[WebHostDefaults.ServerUrlsKey])
        || !string.IsNullOrWhiteSpace(configuration[WebHostDefaults.HttpPortsKey])
        || !string.IsNullOrWhiteSpace(configuration[WebHostDefaults.HttpsPortsKey])
        || configuration.GetSection("Kestrel:Endpoints").GetChildren().Any();
}
