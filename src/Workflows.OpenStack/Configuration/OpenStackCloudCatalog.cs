using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Workflows.Abstractions.Clouds;

namespace Workflows.OpenStack.Configuration;

/// <summary>
/// The clouds the server knows: clouds.yaml + secure.yaml + OS_* (read once), clouds added in code
/// (the sandbox), and clouds registered by runs, which are kept in an <see cref="IRegisteredCloudStore"/>
/// (the server's database) so they survive restarts and every server sharing it sees them.
/// Later sources win over earlier ones for the same name.
/// </summary>
public sealed class OpenStackCloudCatalog : ICloudCatalog, IOpenStackClouds, IDisposable
{
    /// <summary>How long a list of registered clouds is used before it is read again (clouds registered by other servers).</summary>
    private static readonly TimeSpan RegisteredFreshness = TimeSpan.FromSeconds(10);

    private readonly OpenStackOptions options;
    private readonly CloudsYamlLoader loader;
    private readonly IRegisteredCloudStore store;
    private readonly TimeProvider time;
    private readonly ILogger<OpenStackCloudCatalog> logger;
    private readonly Lock gate = new();
    private readonly Dictionary<string, CloudDefinition> added = new(StringComparer.Ordinal);
    private readonly FileRegisteredCloudStore? ownedStore;
    private Dictionary<string, CloudDefinition>? configured;
    private Dictionary<string, CloudDefinition> registered = new(StringComparer.Ordinal);
    private DateTimeOffset registeredAt = DateTimeOffset.MinValue;

    /// <summary>Creates the catalog with registered clouds in <see cref="OpenStackOptions.RegisteredCloudsFile"/>.</summary>
    public OpenStackCloudCatalog(IOptions<OpenStackOptions> options, CloudsYamlLoader loader, ILogger<OpenStackCloudCatalog> logger)
        : this(options, loader, null, TimeProvider.System, logger)
    {
    }

    /// <summary>Creates the catalog over a store of registered clouds (null: the file of <see cref="OpenStackOptions.RegisteredCloudsFile"/>).</summary>
    public OpenStackCloudCatalog(IOptions<OpenStackOptions> options, CloudsYamlLoader loader, IRegisteredCloudStore? store, TimeProvider time, ILogger<OpenStackCloudCatalog> logger)
    {
        this.options = options.Value;
        this.loader = loader;
        this.time = time;
        this.logger = logger;
        if (store is null)
        {
            ownedStore = new FileRegisteredCloudStore(this.options.RegisteredCloudsFile, logger);
            store = ownedStore;
        }

        this.store = store;
    }

    /// <summary>Gets where registered clouds are kept (for the startup banner).</summary>
    public string RegisteredLocation => store.Location;

    /// <summary>Gets the clouds.yaml / secure.yaml files read (after the first use), in the order they were merged.</summary>
    public IReadOnlyList<string> FilesRead
    {
        get
        {
            lock (gate)
            {
                Configured();
                return loader.FilesRead;
            }
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<CloudInfo> List()
    {
        RefreshIfStale(force: false);
        lock (gate)
        {
            return [.. All().Values.OrderBy(c => c.Name, StringComparer.Ordinal).Select(c => c.ToInfo())];
        }
    }

    /// <inheritdoc />
    public CloudDefinition Get(string? name)
    {
        for (var pass = 0; pass < 2; pass++)
        {
            lock (gate)
            {
                var all = All();
                var key = string.IsNullOrEmpty(name) ? loader.DefaultCloudName ?? (all.ContainsKey("envvars") ? "envvars" : null) : name;
                if (key is not null && all.TryGetValue(key, out var cloud))
                {
                    return cloud;
                }

                if (pass == 1)
                {
                    var known = all.Count == 0 ? "none" : string.Join(", ", all.Keys.Order(StringComparer.Ordinal));
                    throw new OpenStackConfigurationException(
                        $"Cloud '{name ?? "(OS_CLOUD)"}' is not configured (known clouds: {known}). Add it to clouds.yaml, set OS_* variables, or register it.");
                }
            }

            // Another server may have registered it since the last read.
            RefreshIfStale(force: true);
        }

        throw new InvalidOperationException("unreachable");
    }

    /// <inheritdoc />
    public void Add(CloudDefinition cloud)
    {
        lock (gate)
        {
            added[cloud.Name] = cloud;
        }
    }

    /// <summary>Reads the registered clouds again.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>A task.</returns>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        var clouds = await store.LoadAsync(cancellationToken);
        lock (gate)
        {
            registered = clouds.ToDictionary(c => c.Name, StringComparer.Ordinal);
            registeredAt = time.GetUtcNow();
        }
    }

    /// <inheritdoc />
    public async Task RegisterAsync(CloudRegistration registration, CancellationToken cancellationToken = default)
    {
        var cloud = CloudDefinition.FromRegistration(registration);
        await store.SaveAsync(cloud, cancellationToken);
        lock (gate)
        {
            registered[cloud.Name] = cloud;
        }

        logger.LogInformation("Registered cloud {Cloud} ({AuthUrl}) from {Source} in {Location}", cloud.Name, cloud.AuthUrl, cloud.Source, store.Location);
    }

    /// <inheritdoc />
    public void Dispose() => ownedStore?.Dispose();

    private void RefreshIfStale(bool force)
    {
        lock (gate)
        {
            if (!force && time.GetUtcNow() - registeredAt < RegisteredFreshness)
            {
                return;
            }
        }

        try
        {
            // Synchronous callers (Get, List) on a rare path: a miss, or a list older than RegisteredFreshness.
            RefreshAsync().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("Could not read registered clouds from {Location}: {Error}", store.Location, e.Message);
        }
    }

    private Dictionary<string, CloudDefinition> Configured() =>
        configured ??= loader.Load(options.CloudsFile, options.UseCloudsYamlSearchPath, options.UseEnvironmentVariables)
            .GroupBy(c => c.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);

    private Dictionary<string, CloudDefinition> All()
    {
        var all = new Dictionary<string, CloudDefinition>(Configured(), StringComparer.Ordinal);
        foreach (var (name, cloud) in registered)
        {
            all[name] = cloud;
        }

        foreach (var (name, cloud) in added)
        {
            all[name] = cloud;
        }

        return all;
    }
}
