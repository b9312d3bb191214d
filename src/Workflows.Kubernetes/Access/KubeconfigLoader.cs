using System.Text;
using k8s;
using k8s.Exceptions;
using k8s.KubeConfigModels;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Yaml;
using YamlDotNet.RepresentationModel;

namespace Workflows.Kubernetes.Access;

/// <summary>A cluster as a step reaches it.</summary>
/// <param name="Configuration">The client configuration (server, CA, credentials) of the chosen context.</param>
/// <param name="Context">The context's name.</param>
/// <param name="Server">The API server's URL.</param>
/// <param name="DefaultNamespace">The namespace of objects that name none.</param>
/// <param name="Source">Where the kubeconfig came from, for messages (never its content).</param>
public sealed record ClusterAccess(KubernetesClientConfiguration Configuration, string Context, string Server, string DefaultNamespace, string Source)
{
    /// <summary>Returns "context X (https://…)".</summary>
    public override string ToString() => $"context {Context} ({Server})";
}

/// <summary>
/// Finds the kubeconfig the way <c>kubectl</c> does and builds the client configuration of one context.
/// </summary>
/// <param name="environment">Reads an environment variable (injectable so tests need not change the process's).</param>
/// <param name="homeDirectory">The user's home folder, for <c>~/.kube/config</c>.</param>
public sealed class KubeconfigLoader(Func<string, string?> environment, string homeDirectory)
{
    /// <summary>Creates a loader that reads the process environment and the user's home folder.</summary>
    public KubeconfigLoader()
        : this(Environment.GetEnvironmentVariable, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile))
    {
    }

    /// <summary>Loads the kubeconfig named by <paramref name="inputs"/> and selects its context.</summary>
    /// <exception cref="StepFailedException">With code <c>kubernetes.kubeconfig</c> (not retryable): no kubeconfig, an unreadable one, or an unknown context. The message never holds the kubeconfig's content.</exception>
    public ClusterAccess Load(KubernetesAccessInputs inputs)
    {
        var (config, source) = Read(inputs);
        var contextName = string.IsNullOrWhiteSpace(inputs.Context) ? config.CurrentContext : inputs.Context;
        var contexts = config.Contexts?.Select(c => c.Name).ToList() ?? [];
        if (string.IsNullOrWhiteSpace(contextName))
        {
            throw Fail($"The kubeconfig ({source}) has no current-context; set 'context' to one of: {List(contexts)}.");
        }

        var context = config.Contexts?.FirstOrDefault(c => c.Name == contextName)
            ?? throw Fail($"context: '{contextName}' is not in the kubeconfig ({source}); it has: {List(contexts)}.");
        var cluster = config.Clusters?.FirstOrDefault(c => c.Name == context.ContextDetails?.Cluster)
            ?? throw Fail($"context: '{contextName}' names cluster '{context.ContextDetails?.Cluster}', which the kubeconfig ({source}) does not define.");
        if (string.IsNullOrWhiteSpace(cluster.ClusterEndpoint?.Server))
        {
            throw Fail($"The kubeconfig ({source}) gives cluster '{cluster.Name}' no server address.");
        }

        KubernetesClientConfiguration client;
        try
        {
            client = KubernetesClientConfiguration.BuildConfigFromConfigObject(config, contextName);
        }
        catch (KubeConfigException ex)
        {
            throw Fail($"The kubeconfig ({source}), context '{contextName}': {ex.Message}");
        }

        var ns = !string.IsNullOrWhiteSpace(inputs.Namespace) ? inputs.Namespace
            : !string.IsNullOrWhiteSpace(context.ContextDetails?.Namespace) ? context.ContextDetails.Namespace
            : "default";
        return new ClusterAccess(client, contextName, cluster.ClusterEndpoint.Server.TrimEnd('/'), ns, source);
    }

    /// <summary>
    /// Names the contexts of the kubeconfig named by <paramref name="inputs"/> whose cluster's server is <paramref name="server"/>,
    /// e.g. to reach again the cluster a ledger row records (its API server's URL) from the server's own kubeconfig.
    /// </summary>
    /// <exception cref="StepFailedException">With code <c>kubernetes.kubeconfig</c> when there is no usable kubeconfig.</exception>
    public IReadOnlyList<string> ContextsFor(KubernetesAccessInputs inputs, string server)
    {
        ArgumentNullException.ThrowIfNull(server);
        var (config, _) = Read(inputs);
        var wanted = server.TrimEnd('/');
        return (config.Contexts ?? [])
            .Where(c => config.Clusters?.FirstOrDefault(k => k.Name == c.ContextDetails?.Cluster)?.ClusterEndpoint?.Server?.TrimEnd('/') == wanted)
            .Select(c => c.Name)
            .ToList();
    }

    private (K8SConfiguration Config, string Source) Read(KubernetesAccessInputs inputs)
    {
        if (inputs.Kubeconfig is { } inline && !string.IsNullOrWhiteSpace(inline.Reveal()))
        {
            const string source = "the 'kubeconfig' input";
            return (Parse(inline.Reveal(), () =>
            {
                using var stream = new MemoryStream(Encoding.UTF8.GetBytes(inline.Reveal()));
                return KubernetesClientConfiguration.LoadKubeConfig(stream);
            }, source), source);
        }

        if (!string.IsNullOrWhiteSpace(inputs.KubeconfigPath))
        {
            var file = new FileInfo(inputs.KubeconfigPath);
            return file.Exists
                ? (Parse(file, file.FullName), file.FullName)
                : throw Fail($"kubeconfigPath: '{inputs.KubeconfigPath}' does not exist on the server.");
        }

        if (environment("KUBECONFIG") is { Length: > 0 } list)
        {
            // kubectl merges every file of the list that exists; the first file to set a value wins.
            var files = list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(p => new FileInfo(p)).Where(f => f.Exists).ToArray();
            return files.Length > 0
                ? (Merge(files.Select(f => Parse(f, f.FullName))), $"KUBECONFIG={list}")
                : throw Fail($"KUBECONFIG is set to '{list}', but none of its files exists.");
        }

        var home = new FileInfo(Path.Combine(homeDirectory, ".kube", "config"));
        return home.Exists
            ? (Parse(home, home.FullName), home.FullName)
            : throw Fail($"No kubeconfig: give 'kubeconfig' (e.g. the output of magnum.cluster.credentials), 'kubeconfigPath', set KUBECONFIG, or create {home.FullName}.");
    }

    // A file is loaded through its FileInfo: the client resolves relative certificate paths against its folder.
    private static K8SConfiguration Parse(FileInfo file, string source) =>
        Parse(File.ReadAllText(file.FullName), () => KubernetesClientConfiguration.LoadKubeConfig(file), source);

    private static K8SConfiguration Parse(string text, Func<K8SConfiguration> load, string source)
    {
        Check(text, source);
        try
        {
            return load() ?? throw Fail($"The kubeconfig ({source}) is empty.");
        }
        catch (YamlDotNet.Core.YamlException ex)
        {
            // Only the position: the exception's text may quote the content, which holds keys.
            throw Fail($"The kubeconfig ({source}) is not valid YAML at line {ex.Start.Line}, column {ex.Start.Column}.");
        }
        catch (KubeConfigException ex)
        {
            throw Fail($"The kubeconfig ({source}) is invalid: {ex.Message}");
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            // The client's deserializer on a shape the check above lets through; the content is never quoted.
            throw Fail($"The kubeconfig ({source}) is invalid: the client could not read it ({ex.GetType().Name}).");
        }
    }

    /// <summary>
    /// Reads the kubeconfig's shape with the shared YAML reader before the client deserializes it, so a mistake is
    /// named by its path, line and column (<c>contexts[1].context: must be a mapping (line 9, column 5)</c>). Messages
    /// give positions and field names only, never a value: the content holds keys and tokens.
    /// </summary>
    private static void Check(string text, string source)
    {
        YamlNode? root;
        try
        {
            root = YamlReader.Parse(text);
        }
        catch (YamlReadException ex)
        {
            throw Fail($"The kubeconfig ({source}) is not valid YAML at line {ex.Problem.Line}, column {ex.Problem.Column}.");
        }

        if (YamlReader.IsEmpty(root))
        {
            throw Fail($"The kubeconfig ({source}) is empty.");
        }

        var reader = new YamlReader(throwOnProblem: true);
        try
        {
            foreach (var (key, path, value) in reader.Entries(root!, string.Empty))
            {
                switch (key)
                {
                    case "current-context": reader.String(value, path); break;
                    case "clusters": Named(reader, value, path, "cluster", "server"); break;
                    case "contexts": Named(reader, value, path, "context", "cluster", "user", "namespace"); break;
                    case "users": Named(reader, value, path, "user"); break;
                }
            }
        }
        catch (YamlReadException ex)
        {
            throw Fail($"The kubeconfig ({source}) is invalid: {ex.Message}.");
        }
    }

    // clusters, contexts and users are lists of { name, <detail>: { ... } }; the detail's listed keys are single values.
    private static void Named(YamlReader reader, YamlNode list, string path, string detail, params string[] singleValues)
    {
        foreach (var (item, at) in reader.Items(list, path))
        {
            foreach (var (key, kat, value) in reader.Entries(item, at))
            {
                if (key == "name")
                {
                    reader.String(value, kat);
                }
                else if (key == detail)
                {
                    foreach (var field in reader.Entries(value, kat).Where(f => singleValues.Contains(f.Key)))
                    {
                        reader.String(field.Value, field.Path);
                    }
                }
            }
        }
    }

    /// <summary>Merges kubeconfig files as kubectl does: the first file to define a name (or the current context) wins.</summary>
    private static K8SConfiguration Merge(IEnumerable<K8SConfiguration> configs)
    {
        var all = configs.ToList();
        var merged = all[0];
        foreach (var next in all.Skip(1))
        {
            merged.CurrentContext = string.IsNullOrEmpty(merged.CurrentContext) ? next.CurrentContext : merged.CurrentContext;
            merged.Contexts = [.. merged.Contexts ?? [], .. (next.Contexts ?? []).Where(c => merged.Contexts?.Any(m => m.Name == c.Name) != true)];
            merged.Clusters = [.. merged.Clusters ?? [], .. (next.Clusters ?? []).Where(c => merged.Clusters?.Any(m => m.Name == c.Name) != true)];
            merged.Users = [.. merged.Users ?? [], .. (next.Users ?? []).Where(c => merged.Users?.Any(m => m.Name == c.Name) != true)];
        }

        return merged;
    }

    private static string List(IReadOnlyCollection<string> names) => names.Count == 0 ? "(no contexts)" : string.Join(", ", names);

    private static StepFailedException Fail(string message) => new("kubernetes.kubeconfig", message, retryable: false);
}
