using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Workflows.Abstractions.Clouds;
using Workflows.Abstractions.Secrets;

namespace Workflows.OpenStack.Configuration;

/// <summary>
/// The clouds the server knows: clouds.yaml + secure.yaml + OS_* (read once), clouds added in code
/// (the sandbox), and clouds registered by runs, which are kept in <see cref="OpenStackOptions.RegisteredCloudsFile"/>
/// (mode 600) so they survive restarts. Later sources win over earlier ones for the same name.
/// </summary>
public sealed class OpenStackCloudCatalog : ICloudCatalog, IOpenStackClouds, IDisposable
{
    private static readonly JsonSerializerOptions FileJson = new() { WriteIndented = true };
    private readonly OpenStackOptions options;
    private readonly CloudsYamlLoader loader;
    private readonly ILogger<OpenStackCloudCatalog> logger;
    private readonly Lock gate = new();
    private readonly SemaphoreSlim fileLock = new(1, 1);
    private Dictionary<string, CloudDefinition>? configured;
    private readonly Dictionary<string, CloudDefinition> added = new(StringComparer.Ordinal);
    private Dictionary<string, CloudDefinition>? registered;

    /// <summary>Creates the catalog.</summary>
    public OpenStackCloudCatalog(IOptions<OpenStackOptions> options, CloudsYamlLoader loader, ILogger<OpenStackCloudCatalog> logger)
    {
        this.options = options.Value;
        this.loader = loader;
        this.logger = logger;
    }

    /// <inheritdoc />
    public IReadOnlyList<CloudInfo> List()
    {
        lock (gate)
        {
            return [.. All().Values.OrderBy(c => c.Name, StringComparer.Ordinal).Select(c => c.ToInfo())];
        }
    }

    /// <inheritdoc />
    public CloudDefinition Get(string? name)
    {
        lock (gate)
        {
            var all = All();
            var key = string.IsNullOrEmpty(name) ? loader.DefaultCloudName ?? (all.ContainsKey("envvars") ? "envvars" : null) : name;
            if (key is not null && all.TryGetValue(key, out var cloud))
            {
                return cloud;
            }

            var known = all.Count == 0 ? "none" : string.Join(", ", all.Keys.Order(StringComparer.Ordinal));
            throw new OpenStackConfigurationException(
                $"Cloud '{name ?? "(OS_CLOUD)"}' is not configured (known clouds: {known}). Add it to clouds.yaml, set OS_* variables, or register it.");
        }
    }

    /// <inheritdoc />
    public void Add(CloudDefinition cloud)
    {
        lock (gate)
        {
            added[cloud.Name] = cloud;
        }
    }

    /// <inheritdoc />
    public async Task RegisterAsync(CloudRegistration registration, CancellationToken cancellationToken = default)
    {
        var cloud = CloudDefinition.FromRegistration(registration);
        await fileLock.WaitAsync(cancellationToken);
        try
        {
            List<StoredCloud> stored;
            lock (gate)
            {
                LoadRegistered()[cloud.Name] = cloud;
                stored = [.. registered!.Values.Select(StoredCloud.From)];
            }

            var path = options.RegisteredCloudsFile;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            var temp = path + ".tmp";
            var fileOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            await using (var stream = new FileStream(temp, fileOptions))
            {
                await JsonSerializer.SerializeAsync(stream, stored, FileJson, cancellationToken);
            }

            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            File.Move(temp, path, overwrite: true);
            logger.LogInformation("Registered cloud {Cloud} ({AuthUrl}) from {Source}", cloud.Name, cloud.AuthUrl, cloud.Source);
        }
        finally
        {
            fileLock.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose() => fileLock.Dispose();

    private Dictionary<string, CloudDefinition> All()
    {
        configured ??= loader.Load(options.CloudsFile, options.UseCloudsYamlSearchPath, options.UseEnvironmentVariables)
            .GroupBy(c => c.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        var all = new Dictionary<string, CloudDefinition>(configured, StringComparer.Ordinal);
        foreach (var (name, cloud) in LoadRegistered())
        {
            all[name] = cloud;
        }

        foreach (var (name, cloud) in added)
        {
            all[name] = cloud;
        }

        return all;
    }

    private Dictionary<string, CloudDefinition> LoadRegistered()
    {
        if (registered is not null)
        {
            return registered;
        }

        registered = new Dictionary<string, CloudDefinition>(StringComparer.Ordinal);
        var path = options.RegisteredCloudsFile;
        if (File.Exists(path))
        {
            try
            {
                foreach (var s in JsonSerializer.Deserialize<List<StoredCloud>>(File.ReadAllText(path)) ?? [])
                {
                    registered[s.Name] = s.ToDefinition();
                }
            }
            catch (JsonException ex)
            {
                logger.LogWarning("Ignoring registered clouds file {Path}: {Error}", path, ex.Message);
            }
        }

        return registered;
    }

    // The file format: plain strings (the file itself is 600), unlike Secret's JSON form which masks.
    private sealed record StoredCloud(string Name, string AuthUrl, string? Region, string Username, string Password, string ProjectName, string UserDomainName, string ProjectDomainName, string Source)
    {
        public static StoredCloud From(CloudDefinition c) =>
            new(c.Name, c.AuthUrl, c.RegionName, c.Username ?? string.Empty, c.Password?.Reveal() ?? string.Empty, c.ProjectName ?? string.Empty, c.UserDomainName ?? "Default", c.ProjectDomainName ?? "Default", c.Source);

        public CloudDefinition ToDefinition() => new()
        {
            Name = Name,
            AuthUrl = AuthUrl,
            RegionName = Region,
            Username = Username,
            Password = new Secret(Password),
            ProjectName = ProjectName,
            UserDomainName = UserDomainName,
            ProjectDomainName = ProjectDomainName,
            Source = Source,
        };
    }
}
