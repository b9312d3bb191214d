using Workflows.Abstractions.Secrets;
using Workflows.Abstractions.Yaml;
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
    /// <exception cref="OpenStackConfigurationException">A file exists but is not valid YAML, or a field has the wrong shape: the message names the file, line, column and path.</exception>
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
            var secureNodes = new HashSet<YamlNode>(ReferenceEqualityComparer.Instance);
            if (secureFile is not null && File.Exists(secureFile))
            {
                var secure = ReadYaml(secureFile);
                secureNodes.UnionWith(secure.AllNodes);
                root = Merge(root, secure);
                read.Add(Path.GetFullPath(secureFile));
            }

            // A problem in a value that came from secure.yaml is reported at its place in secure.yaml.
            string FileOf(YamlNode node) => secureNodes.Contains(node) ? secureFile! : file;
            var reader = new YamlReader(throwOnProblem: true);
            try
            {
                foreach (var entry in YamlReader.Find(root, "clouds") is { } cloudsNode ? reader.Entries(cloudsNode, "clouds") : [])
                {
                    clouds.Add(FromYaml(entry.Key, entry.Value, file, FileOf));
                }
            }
            catch (YamlReadException ex)
            {
                throw Invalid(ex.Node is { } node ? FileOf(node) : file, ex.Problem);
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

    /// <summary>Parses one clouds.yaml cloud entry, <c>clouds.&lt;name&gt;</c>.</summary>
    /// <param name="name">The cloud's name.</param>
    /// <param name="cloud">The entry (a mapping).</param>
    /// <param name="source">The file it comes from, for messages and <see cref="CloudDefinition.Source"/>.</param>
    /// <exception cref="OpenStackConfigurationException">A field has the wrong shape (named with its path, line and column), or auth.auth_url is missing.</exception>
    public static CloudDefinition FromYaml(string name, YamlNode cloud, string source) => FromYaml(name, cloud, source, _ => source);

    private static CloudDefinition FromYaml(string name, YamlNode cloud, string source, Func<YamlNode, string> fileOf)
    {
        var reader = new YamlReader(throwOnProblem: true);
        var path = YamlReader.Child("clouds", name);
        try
        {
            // Every entry is read, so a wrong shape anywhere is named, not only in the fields used below.
            var fields = reader.Entries(cloud, path).ToDictionary(e => e.Key, StringComparer.Ordinal);
            var auth = fields.TryGetValue("auth", out var a) ? reader.Entries(a.Value, a.Path).ToDictionary(e => e.Key, StringComparer.Ordinal) : [];
            string? Read(Dictionary<string, YamlEntry> map, string key) => map.TryGetValue(key, out var e) && !YamlReader.IsEmpty(e.Value) ? reader.String(e.Value, e.Path) : null;
            string? A(string key) => Read(auth, key);
            string? C(string key) => Read(fields, key);
            var authUrl = A("auth_url") ?? throw new OpenStackConfigurationException($"Cloud '{name}' in {source} has no auth.auth_url.");
            var appCredSecret = A("application_credential_secret");
            var region = C("region_name") ?? FirstRegion(reader, fields);
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
        catch (YamlReadException ex)
        {
            throw Invalid(ex.Node is { } node ? fileOf(node) : source, ex.Problem);
        }
    }

    // openstacksdk's "regions" is a list of names or of mappings with a name; the first one is the default region.
    private static string? FirstRegion(YamlReader reader, Dictionary<string, YamlEntry> fields)
    {
        if (!fields.TryGetValue("regions", out var regions))
        {
            return null;
        }

        var (node, path) = reader.Items(regions.Value, regions.Path).FirstOrDefault();
        return node switch
        {
            null => null,
            YamlMappingNode => YamlReader.Find(node, "name") is { } n ? reader.String(n, YamlReader.Child(path, "name")) : null,
            _ => reader.String(node, path),
        };
    }

    private static OpenStackConfigurationException Invalid(string file, YamlProblem problem) =>
        new(problem.Line > 0 ? $"{file}:{problem.Line}:{problem.Column}: {Describe(problem)}" : $"{file}: {Describe(problem)}");

    private static string Describe(YamlProblem problem) => problem.Path.Length == 0 ? problem.Message : $"{problem.Path}: {problem.Message}";

    private static YamlMappingNode ReadYaml(string path)
    {
        YamlNode? root;
        try
        {
            using var reader = new StreamReader(path);
            root = YamlReader.Parse(reader);
        }
        catch (YamlReadException ex)
        {
            throw new OpenStackConfigurationException($"{path}:{ex.Problem.Line}:{ex.Problem.Column}: invalid YAML: {Describe(ex.Problem)}");
        }

        return root switch
        {
            null => new YamlMappingNode(),
            YamlMappingNode map => map,
            _ when YamlReader.IsEmpty(root) => new YamlMappingNode(),
            _ => throw Invalid(path, new YamlProblem(string.Empty, "the file must be a mapping with a 'clouds' key", (int)root.Start.Line, (int)root.Start.Column)),
        };
    }

    // secure.yaml deep-merges into clouds.yaml: mappings merge key by key, anything else is replaced.
    private static YamlMappingNode Merge(YamlMappingNode target, YamlMappingNode overlay)
    {
        foreach (var (key, value) in overlay.Children)
        {
            target.Children[key] = target.Children.TryGetValue(key, out var existing) && existing is YamlMappingNode t && value is YamlMappingNode o
                ? Merge(t, o)
                : value;
        }

        return target;
    }
}
