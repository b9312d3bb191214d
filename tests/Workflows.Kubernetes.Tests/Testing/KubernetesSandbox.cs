using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Secrets;
using Workflows.Kubernetes.Access;
using Workflows.Kubernetes.Client;
using Workflows.OpenStack.Sandbox.Kubernetes;
using Workflows.Testing;

namespace Workflows.Kubernetes.Tests.Testing;

/// <summary>
/// A sandbox Kubernetes API server (HTTPS, client-certificate auth, simulated controllers) on loopback, shared by a
/// test class; the tests isolate themselves by unique namespaces.
/// </summary>
public sealed class KubernetesSandbox : IAsyncLifetime
{
    private readonly string folder = Directory.CreateTempSubdirectory("wf-k8s-sandbox-").FullName;

    public StandaloneKubernetesApi Api { get; private set; } = null!;

    public string KubeconfigPath => Api.KubeconfigPath;

    public string KubeconfigText => File.ReadAllText(Api.KubeconfigPath);

    public IServiceProvider Services { get; private set; } = null!;

    /// <summary>Gets the protector the actions seal a Secret's previous state with.</summary>
    public TestSecretProtector Protector { get; } = new();

    public async Task InitializeAsync()
    {
        Api = await KubernetesApiHost.StartStandaloneAsync(folder, "sandbox", new KubernetesSandboxOptions
        {
            PodReadyDelay = TimeSpan.FromMilliseconds(300),
            CrashLoopRestartInterval = TimeSpan.FromMilliseconds(500),
        });
        Services = new ServiceCollection()
            .AddSingleton<ISecretProtector>(Protector)
            .AddKubernetesActions(o =>
            {
                o.PollInterval = TimeSpan.FromMilliseconds(50);
                o.MaxPollInterval = TimeSpan.FromMilliseconds(200);
                o.ManifestDirectory = folder;
            })
            .BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>Returns a namespace name no other test uses.</summary>
    public static string UniqueNamespace(string prefix = "t") => $"{prefix}-{Guid.NewGuid():N}"[..20];

    /// <summary>Inputs with the kubeconfig inline, as a workflow passes magnum.cluster.credentials' output.</summary>
    public JsonObject Inline(JsonObject with)
    {
        with["kubeconfig"] = KubeconfigText;
        return with;
    }

    /// <summary>Reads an object straight from the API, null when absent.</summary>
    public async Task<JsonObject?> GetAsync(string apiVersion, string kind, string? ns, string name)
    {
        using var client = Client();
        var resource = (await client.ResolveAsync(apiVersion, kind))!;
        return await client.GetAsync(new ObjectRef(apiVersion, kind, ns, name), resource);
    }

    /// <summary>Lists objects straight from the API.</summary>
    public async Task<IReadOnlyList<JsonObject>> ListAsync(string apiVersion, string kind, string ns, string? selector = null)
    {
        using var client = Client();
        var resource = (await client.ResolveAsync(apiVersion, kind))!;
        return await client.ListAsync(apiVersion, resource, ns, selector);
    }

    private KubernetesApiClient Client() =>
        new(new KubeconfigLoader().Load(new KubernetesAccessInputs { KubeconfigPath = KubeconfigPath }), new RunRecorder(), TimeSpan.FromSeconds(10));

    /// <summary>The manifest, with the image and replicas as parameters.</summary>
    public static string MyApp(string image = "cirros:latest", int replicas = 3, string name = "myapp", int? progressDeadlineSeconds = null) =>
        $"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {name}
        spec:
          replicas: {replicas}
        {(progressDeadlineSeconds is { } d ? $"  progressDeadlineSeconds: {d}\n" : "")}  selector:
            matchLabels:
              app: {name}
          template:
            metadata:
              labels:
                app: {name}
            spec:
              containers:
              - name: {name}
                image: {image}
                ports:
                - containerPort: 80
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: {name}
        spec:
          selector:
            app: {name}
          ports:
          - protocol: TCP
            port: 80
            targetPort: 80
        """;

    /// <summary>Makes a compensation context for the step <paramref name="target"/> of the same run.</summary>
    public static TestStepContext Compensation(IServiceProvider services, TestStepContext target, object inputs, JsonObject? outputs = null) =>
        new(services, inputs, $"compensate:{target.StepId}", target.RunId,
            new CompensationTarget(target.StepId, target.IdempotencyKey,
                outputs is null ? null : System.Text.Json.JsonSerializer.SerializeToElement(outputs),
                target.CurrentState),
            target.Recorder);

    /// <summary>Gets the secret parts of the kubeconfig that must never show up anywhere.</summary>
    public IEnumerable<string> SecretMaterial()
    {
        yield return Api.ClientKeyPem.Split('\n')[1];
        yield return Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(Api.ClientKeyPem))[..40];
    }

    internal static Secret AsSecret(string text) => new(text);
}
