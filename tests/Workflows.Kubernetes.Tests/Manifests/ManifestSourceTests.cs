using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Workflows.Abstractions.Actions;
using Workflows.Kubernetes.Manifests;

namespace Workflows.Kubernetes.Tests.Manifests;

public sealed class ManifestSourceTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("wf-k8s-manifests-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public async Task ReadAsync_ReplacesValuesPlaceholders_InAFile()
    {
        File.WriteAllText(Path.Combine(folder, "app.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${{ values.name }}\ndata:\n  replicas: \"${{ values.replicas }}\"\n");
        var source = new ManifestSource(Options.Create(new KubernetesOptions { ManifestDirectory = folder }));

        var objects = await source.ReadAsync(new ManifestInputs { File = "app.yaml", Values = new JsonObject { ["name"] = "web", ["replicas"] = 3 } }, CancellationToken.None);

        Assert.Equal("web", objects[0].Name);
        Assert.Equal("3", objects[0].Body["data"]!["replicas"]!.GetValue<string>());
    }

    [Fact]
    public async Task ReadAsync_NamesTheLine_OfAnExpressionOtherThanValues()
    {
        File.WriteAllText(Path.Combine(folder, "app.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${{ inputs.name }}\n");
        var source = new ManifestSource(Options.Create(new KubernetesOptions { ManifestDirectory = folder }));

        var ex = await Assert.ThrowsAsync<StepFailedException>(() => source.ReadAsync(new ManifestInputs { File = "app.yaml" }, CancellationToken.None));

        Assert.Equal("kubernetes.manifest", ex.ErrorCode);
        Assert.Contains("file app.yaml, line 4", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_RefusesAFileOutsideTheFolder()
    {
        var source = new ManifestSource(Options.Create(new KubernetesOptions { ManifestDirectory = folder }));

        var ex = await Assert.ThrowsAsync<StepFailedException>(() => source.ReadAsync(new ManifestInputs { File = "../../etc/passwd" }, CancellationToken.None));

        Assert.Equal("inputs.invalid", ex.ErrorCode);
        Assert.Contains("outside the manifest folder", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_PrefixesManifestErrors_WithTheirOrigin()
    {
        var source = new ManifestSource(Options.Create(new KubernetesOptions { ManifestDirectory = folder }));

        var ex = await Assert.ThrowsAsync<StepFailedException>(() => source.ReadAsync(new ManifestInputs { Manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n" }, CancellationToken.None));

        Assert.Equal("manifest: manifest document 1, line 3, column 1, field metadata.name: is required (kubectl apply needs a name; generateName is not supported)", ex.Message);
    }
}
