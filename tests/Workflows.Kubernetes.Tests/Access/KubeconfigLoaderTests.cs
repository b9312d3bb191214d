using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Secrets;
using Workflows.Kubernetes.Access;

namespace Workflows.Kubernetes.Tests.Access;

public sealed class KubeconfigLoaderTests : IDisposable
{
    private readonly string home = Directory.CreateTempSubdirectory("wf-k8s-home-").FullName;
    private readonly Dictionary<string, string?> env = [];

    public void Dispose() => Directory.Delete(home, recursive: true);

    internal static string Kubeconfig(string current, params (string Name, string Server, string? Namespace)[] contexts) =>
        $"""
        apiVersion: v1
        kind: Config
        current-context: "{current}"
        clusters:
        {string.Concat(contexts.Select(c => $"- name: {c.Name}\n  cluster:\n    server: {c.Server}\n    insecure-skip-tls-verify: true\n"))}
        contexts:
        {string.Concat(contexts.Select(c => $"- name: {c.Name}\n  context:\n    cluster: {c.Name}\n    user: {c.Name}\n{(c.Namespace is null ? "" : $"    namespace: {c.Namespace}\n")}"))}
        users:
        {string.Concat(contexts.Select(c => $"- name: {c.Name}\n  user:\n    token: token-of-{c.Name}\n"))}
        """;

    private KubeconfigLoader Loader() => new(name => env.GetValueOrDefault(name), home);

    private string Write(string name, string content)
    {
        var path = Path.Combine(home, name);
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public void Load_UsesTheInlineKubeconfig_AndItsCurrentContext()
    {
        var access = Loader().Load(new KubernetesAccessInputs { Kubeconfig = new Secret(Kubeconfig("a", ("a", "https://127.0.0.1:6443", "team"))) });

        Assert.Equal(("a", "https://127.0.0.1:6443", "team"), (access.Context, access.Server, access.DefaultNamespace));
        Assert.Equal("the 'kubeconfig' input", access.Source);
    }

    [Fact]
    public void Load_SelectsTheNamedContext_FromAFilePath()
    {
        var path = Write("two.yaml", Kubeconfig("a", ("a", "https://127.0.0.1:1", null), ("b", "https://127.0.0.1:2", null)));

        var access = Loader().Load(new KubernetesAccessInputs { KubeconfigPath = path, Context = "b" });

        Assert.Equal(("b", "https://127.0.0.1:2", "default"), (access.Context, access.Server, access.DefaultNamespace));
    }

    [Fact]
    public void Load_MergesTheFilesOfKUBECONFIG_FirstFileWinning()
    {
        var first = Write("first.yaml", Kubeconfig("", ("a", "https://127.0.0.1:1", null)));
        var second = Write("second.yaml", Kubeconfig("b", ("a", "https://127.0.0.1:9", null), ("b", "https://127.0.0.1:2", null)));
        env["KUBECONFIG"] = $"{first}{Path.PathSeparator}{Path.Combine(home, "missing.yaml")}{Path.PathSeparator}{second}";

        var current = Loader().Load(new KubernetesAccessInputs());
        var a = Loader().Load(new KubernetesAccessInputs { Context = "a" });

        Assert.Equal("b", current.Context);
        Assert.Equal("https://127.0.0.1:1", a.Server);
    }

    [Fact]
    public void Load_FallsBackToTheHomeKubeconfig()
    {
        Directory.CreateDirectory(Path.Combine(home, ".kube"));
        File.WriteAllText(Path.Combine(home, ".kube", "config"), Kubeconfig("h", ("h", "https://127.0.0.1:3", null)));

        Assert.Equal("h", Loader().Load(new KubernetesAccessInputs()).Context);
    }

    [Fact]
    public void Load_ExplainsWhatToConfigure_WhenThereIsNoKubeconfig()
    {
        var ex = Assert.Throws<StepFailedException>(() => Loader().Load(new KubernetesAccessInputs()));

        Assert.Equal("kubernetes.kubeconfig", ex.ErrorCode);
        Assert.False(ex.Retryable);
        Assert.Contains("KUBECONFIG", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ListsTheContexts_WhenTheNamedOneIsMissing()
    {
        var ex = Assert.Throws<StepFailedException>(() => Loader().Load(new KubernetesAccessInputs { Kubeconfig = new Secret(Kubeconfig("a", ("a", "https://127.0.0.1:1", null), ("b", "https://127.0.0.1:2", null))), Context = "c" }));

        Assert.Equal("context: 'c' is not in the kubeconfig (the 'kubeconfig' input); it has: a, b.", ex.Message);
    }

    [Fact]
    public void Load_FailsAsAKubeconfigError_WhenAFlowMappingIsNotClosed()
    {
        var broken = "apiVersion: v1\nusers:\n- name: u\n  user: { client-key-data: SECRETKEYMATERIAL\nclusters: []\n";

        var ex = Assert.Throws<StepFailedException>(() => Loader().Load(new KubernetesAccessInputs { Kubeconfig = new Secret(broken) }));

        Assert.Contains("not valid YAML", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRETKEYMATERIAL", ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NamesTheFieldAndItsPosition_WhenAContextIsNotAMapping_WithoutQuotingTheKubeconfig()
    {
        var broken = "apiVersion: v1\ncurrent-context: a\ncontexts:\n- name: a\n  context: SECRETTOKEN\nusers:\n- name: a\n  user:\n    token: SECRETTOKEN\n";

        var ex = Assert.Throws<StepFailedException>(() => Loader().Load(new KubernetesAccessInputs { Kubeconfig = new Secret(broken) }));

        Assert.Equal("kubernetes.kubeconfig", ex.ErrorCode);
        Assert.Equal("The kubeconfig (the 'kubeconfig' input) is invalid: contexts[0].context: must be a mapping (line 5, column 12).", ex.Message);
        Assert.DoesNotContain("SECRETTOKEN", ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NamesTheFileAndTheField_WhenAClustersServerIsNotASingleValue()
    {
        var path = Write("bad.yaml", "apiVersion: v1\nclusters:\n- name: a\n  cluster:\n    server: [https://127.0.0.1:1]\n");

        var ex = Assert.Throws<StepFailedException>(() => Loader().Load(new KubernetesAccessInputs { KubeconfigPath = path }));

        Assert.Equal($"The kubeconfig ({path}) is invalid: clusters[0].cluster.server: must be a single value, not a list or mapping (line 5, column 13).", ex.Message);
    }

    [Fact]
    public void Load_GivesThePosition_WhenAFlowMappingIsNotClosed()
    {
        var broken = "apiVersion: v1\nusers:\n- name: u\n  user: { client-key-data: SECRETKEYMATERIAL\nclusters: []\n";

        var ex = Assert.Throws<StepFailedException>(() => Loader().Load(new KubernetesAccessInputs { Kubeconfig = new Secret(broken) }));

        Assert.Matches(@"^The kubeconfig \(the 'kubeconfig' input\) is not valid YAML at line \d+, column \d+\.$", ex.Message);
    }

    [Fact]
    public void Load_NeverQuotesTheInlineKubeconfig_InItsErrors()
    {
        var broken = "apiVersion: v1\nusers:\n- name: u\n  user:\n    client-key-data: SECRETKEYMATERIAL\n   bad: [\n";

        var ex = Assert.Throws<StepFailedException>(() => Loader().Load(new KubernetesAccessInputs { Kubeconfig = new Secret(broken) }));

        Assert.DoesNotContain("SECRETKEYMATERIAL", ex.ToString(), StringComparison.Ordinal);
        Assert.Contains("not valid YAML at line", ex.Message, StringComparison.Ordinal);
    }
}
