using Workflows.Abstractions.Secrets;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Workflows.OpenStack.Configuration;

/// <summary>
/// Reads clouds the way openstacksdk does: the first clouds.yaml on the search path (OS_CLIENT_CONFIG_FILE,
/// the current folder, the shell's folder ($PWD) when it differs, ~/.config/openstack, /etc/openstack), deep-merged with the first secure.yaml
/// (OS_CLIENT_SECURE_FILE or the same folders), plus a cloud named <c>envvars</c> from plain OS_* variables.
/// </summary>
public sealed class CloudsYamlLoader
{
    private readonly Func<string, string?> getEnvironment;
    private readonly string currentDirectory;
    private readonly string homeDirectory;

    private readonly string? systemDirectory;

    /// <summary>Creates a loader over the process environment.</summary>
    public CloudsYamlLoader()
        : this(Environment.GetEnvironmentVariable, Directory.GetCurrentDirectory(), Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), "/etc/openstack")
    {
    }

    /// <summary>
    /// Creates a loader over the given environment (for tests). <paramref name="systemDirectory"/> is the
    /// last folder searched; null (the default here) searches none, so a machine's /etc/openstack
    /// (e.g. a test cloud's clouds.yaml) cannot leak into tests.
    /// </summary>
    public CloudsYamlLoader(Func<string, string?> getEnvironment, string currentDirectory, string homeDirectory, string? systemDirectory = null)
    {
        this.getEnvironment = getEnvironment;
        this.currentDirectory = currentDirectory;
        this.homeDirectory = homeDirectory;
        this.systemDirectory = systemDirectory;
    }

    /// <summary>Gets the clouds.yaml and secure.yaml files the last <see cref="Load"/> read, in merge order.</summary>
    public IReadOnlyList<string> FilesRead { get; private set; } = [];

    /// <summary>Gets the name in OS_CLOUD, if set.</summary>
    public string? DefaultCloudName => getEnvironment("OS_CLOUD") is { Length: > 0 } name ? name : null;

    /// <summary>Lists the clouds.yaml candidates in search order.</summary>
    public IReadOnlyList<string> SearchPath(string baseName)
    {
        // The shell's folder ($PWD) right after the current one: when something started the server in another
        // folder (an IDE, a launch profile's workingDirectory), the folder where the user typed the command is
        // still where openstacksdk users put their clouds.yaml.
        var shell = getEnvironment("PWD") is { Length: > 0 } pwd && Path.IsPathRooted(pwd)
            && !string.Equals(Path.GetFullPath(pwd).TrimEnd('/'), Path.GetFullPath(currentDirectory).TrimEnd('/'), StringComparison.Ordinal) ? pwd : null;
        var folders = new[]
        {
            currentDirectory,
            shell,
            Path.Combine(getEnvironment("XDG_CONFIG_HOME") is { Length: > 0 } xdg ? xdg : Path.Combine(homeDirectory, ".config"), "openstack"),
            systemDirectory,
        };
        return [.. folders.OfType<string>().SelectMany(f => new[] { Path.Combine(f, baseName + ".yaml"), Path.Combine(f, baseName + ".yml") })];
    }

    /// <summary>Loads every cloud: clouds.yaml (explicit path or search path) merged with secure.yaml, then OS_* variables.</summary>
    /// <exception cref="OpenStackConfigurationException">A file exists but is not valid YAML.</exception>
    public IReadOnlyList<CloudDefinition> Load(string? explicitFile = null, bool useSearchPath = true, bool useEnvironment = true)
    {
        var clouds = new List<CloudDefinition>();
        var read = new List<string>();
        FilesRead = read;
        var file = explicitFile
            ?? (useSearchPath && getEnvironment("OS_CLIENT_CONFIG_FILE") is { Length: > 0 } env ? env : null)
            ?? (useSearchPath ? SearchPath("clouds").FirstOrDefault(File.Exists) : null);
        if (file is not null && File.Exists(file))
        {
            var root = ReadYaml(file);
            read.Add(Path.GetFullPath(file));
            var secureFile = (getEnvironment("OS_CLIENT_SECURE_FILE") is { Length: > 0 } s ? s : null)
                ?? SearchPath("secure").FirstOrDefault(File.Exists);
            if (secureFile is not null && File.Exists(secureFile))
            {
                root = Merge(root, ReadYaml(secureFile));
                read.Add(Path.GetFullPath(secureFile));
            }

            if (root.TryGetValue("clouds", out var cloudsNode) && cloudsNode is Dictionary<string, object?> map)
            {
                foreach (var (name, value) in map)
                {
                    if (value is Dictionary<string, object?> cloud)
                    {
                        clouds.Add(FromYaml(name, cloud, file));
                    }
                }
            }
        }

        if (useEnvironment && FromEnvironment() is { } fromEnv)
        {
            clouds.Add(fromEnv);
        }

        return clouds;
    }

    /// <summary>Builds the <c>envvars</c> cloud from OS_AUTH_URL and friends, or returns null when OS_AUTH_URL is unset.</summary>
    public CloudDefinition? FromEnvironment()
    {
        string? Env(params string[] names) => names.Select(getEnvironment).FirstOrDefault(v => !string.IsNullOrEmpty(v));
        if (Env("OS_AUTH_URL") is not { } authUrl)
        {
            return null;
        }

        var appCredId = Env("OS_APPLICATION_CREDENTIAL_ID");
        var appCredSecret = Env("OS_APPLICATION_CREDENTIAL_SECRET");
        return new CloudDefinition
        {
            Name = "envvars",
            AuthUrl = authUrl,
            AuthType = Env("OS_AUTH_TYPE") ?? (appCredSecret is not null ? CloudDefinition.ApplicationCredentialAuth : CloudDefinition.PasswordAuth),
            Username = Env("OS_USERNAME"),
            UserId = Env("OS_USER_ID"),
            Password = Env("OS_PASSWORD") is { } p ? new Secret(p) : null,
            ProjectName = Env("OS_PROJECT_NAME", "OS_TENANT_NAME"),
            ProjectId = Env("OS_PROJECT_ID", "OS_TENANT_ID"),
            UserDomainName = Env("OS_USER_DOMAIN_NAME", "OS_DEFAULT_DOMAIN_NAME", "OS_DOMAIN_NAME"),
            UserDomainId = Env("OS_USER_DOMAIN_ID", "OS_DEFAULT_DOMAIN_ID", "OS_DEFAULT_DOMAIN"),
            ProjectDomainName = Env("OS_PROJECT_DOMAIN_NAME", "OS_DEFAULT_DOMAIN_NAME", "OS_DOMAIN_NAME"),
            ProjectDomainId = Env("OS_PROJECT_DOMAIN_ID", "OS_DEFAULT_DOMAIN_ID", "OS_DEFAULT_DOMAIN"),
            ApplicationCredentialId = appCredId,
            ApplicationCredentialName = Env("OS_APPLICATION_CREDENTIAL_NAME"),
            ApplicationCredentialSecret = appCredSecret is null ? null : new Secret(appCredSecret),
            RegionName = Env("OS_REGION_NAME"),
            Interface = Env("OS_INTERFACE", "OS_ENDPOINT_TYPE"),
            Verify = !string.Equals(Env("OS_INSECURE"), "true", StringComparison.OrdinalIgnoreCase),
            Source = "environment",
        };
    }

    /// <summary>Parses one clouds.yaml cloud entry.</summary>
    public static CloudDefinition FromYaml(string name, IReadOnlyDictionary<string, object?> cloud, string source)
    {
        var auth = cloud.TryGetValue("auth", out var a) && a is Dictionary<string, object?> d ? d : new Dictionary<string, object?>();
        string? A(string key) => auth.TryGetValue(key, out var v) ? v?.ToString() : null;
        string? C(string key) => cloud.TryGetValue(key, out var v) ? v?.ToString() : null;
        var authUrl = A("auth_url") ?? throw new OpenStackConfigurationException($"Cloud '{name}' in {source} has no auth.auth_url.");
        var appCredSecret = A("application_credential_secret");
        var region = C("region_name")
            ?? (cloud.TryGetValue("regions", out var r) && r is List<object?> regions && regions.Count > 0
                ? regions[0] is Dictionary<string, object?> rd && rd.TryGetValue("name", out var rn) ? rn?.ToString() : regions[0]?.ToString()
                : null);
        return new CloudDefinition
        {
            Name = name,
            AuthUrl = authUrl,
            AuthType = C("auth_type") ?? (appCredSecret is not null ? CloudDefinition.ApplicationCredentialAuth : CloudDefinition.PasswordAuth),
            Username = A("username"),
            UserId = A("user_id"),
            Password = A("password") is { } p ? new Secret(p) : null,
            ProjectName = A("project_name") ?? A("tenant_name"),
            ProjectId = A("project_id") ?? A("tenant_id"),
            UserDomainName = A("user_domain_name") ?? A("domain_name"),
            UserDomainId = A("user_domain_id") ?? A("domain_id"),
            ProjectDomainName = A("project_domain_name") ?? A("domain_name"),
            ProjectDomainId = A("project_domain_id") ?? A("domain_id"),
            ApplicationCredentialId = A("application_credential_id"),
            ApplicationCredentialName = A("application_credential_name"),
            ApplicationCredentialSecret = appCredSecret is null ? null : new Secret(appCredSecret),
            RegionName = region,
            Interface = C("interface") ?? C("endpoint_type"),
            Verify = !string.Equals(C("verify"), "false", StringComparison.OrdinalIgnoreCase),
            Source = source,
        };
    }

    private static Dictionary<string, object?> ReadYaml(string path)
    {
        YamlDotNet.Core.Parser? parser = null;
        try
        {
            using var reader = new StreamReader(path);
            parser = new YamlDotNet.Core.Parser(reader);
            var stream = new YamlStream();
            stream.Load(parser);
            return stream.Documents.Count > 0 && Convert(stream.Documents[0].RootNode) is Dictionary<string, object?> root ? root : [];
        }
        catch (YamlException ex)
        {
            throw new OpenStackConfigurationException($"{path}:{ex.Start.Line}:{ex.Start.Column}: invalid YAML: {ex.Message}");
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or InvalidCastException)
        {
            // YamlDotNet's scanner throws these on some malformed input (e.g. an unclosed flow mapping followed by a
            // new line); a key that is not a plain value fails the cast. The last event read gives the position.
            var at = parser?.Current?.End ?? Mark.Empty;
            throw new OpenStackConfigurationException($"{path}:{at.Line}:{at.Column}: invalid YAML: {(ex is InvalidCastException ? "every key must be a plain value" : ex.Message)}");
        }
    }

    private static object? Convert(YamlNode node) => node switch
    {
        YamlMappingNode m => m.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value ?? string.Empty, kv => Convert(kv.Value), StringComparer.Ordinal),
        YamlSequenceNode s => s.Children.Select(Convert).ToList(),
        YamlScalarNode s => s.Value,
        _ => null,
    };

    private static Dictionary<string, object?> Merge(Dictionary<string, object?> target, Dictionary<string, object?> overlay)
    {
        foreach (var (key, value) in overlay)
        {
            target[key] = target.TryGetValue(key, out var existing) && existing is Dictionary<string, object?> t && value is Dictionary<string, object?> o
                ? Merge(t, o)
                : value;
        }

        return target;
    }
}
