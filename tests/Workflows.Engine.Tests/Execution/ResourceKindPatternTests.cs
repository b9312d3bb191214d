using Workflows.Abstractions.Resources;
using Workflows.Engine.Execution;
using Workflows.Engine.Storage;

namespace Workflows.Engine.Tests.Execution;

/// <summary>Which delete action and probe a ledger kind gets: an exact kind, else the longest family (<c>kubernetes.*</c>).</summary>
public sealed class ResourceKindPatternTests
{
    [Theory]
    [InlineData("nova.server", "nova.server", true)]
    [InlineData("nova.server", "nova.servers", false)]
    [InlineData("kubernetes.*", "kubernetes.deployment", true)]
    [InlineData("kubernetes.*", "kubernetes.deployment.apps", true)]
    [InlineData("kubernetes.*", "kubernetes.", false)]
    [InlineData("kubernetes.*", "kubernetes", false)]
    [InlineData("kubernetes.*", "kubernetesx.deployment", false)]
    [InlineData("kubernetes.*", "docker.kubernetes.deployment", false)]
    public void Matches_IsExactOrByFamilyPrefix(string pattern, string kind, bool expected) =>
        Assert.Equal(expected, ResourceKindPattern.Matches(pattern, kind));

    [Fact]
    public void TryFind_PrefersTheExactKind_ThenTheLongestFamily()
    {
        var byPattern = new Dictionary<string, string> { ["kubernetes.*"] = "any", ["kubernetes.apps.*"] = "apps", ["kubernetes.namespace"] = "namespace" };

        Assert.True(ResourceKindPattern.TryFind(byPattern, "kubernetes.namespace", out var exact));
        Assert.True(ResourceKindPattern.TryFind(byPattern, "kubernetes.apps.deployment", out var longer));
        Assert.True(ResourceKindPattern.TryFind(byPattern, "kubernetes.service", out var family));
        Assert.False(ResourceKindPattern.TryFind(byPattern, "nova.server", out _));
        Assert.Equal(("namespace", "apps", "any"), (exact, longer, family));
    }

    [Fact]
    public void Generate_UsesTheFamilysDeleteAction_WithTheRowsLiteralInputs_AndDistinctStepIds()
    {
        var deleter = new ResourceDeleter("kubernetes.*", "kubernetes.object.delete", r => new Dictionary<string, string> { ["cluster"] = r.Provider ?? "", ["name"] = r.Name ?? "" });
        ResourceRow Row(string kind, string id) => new() { RunId = Guid.NewGuid().ToString(), StepId = "apply", Kind = kind, Provider = "https://127.0.0.1:6443", ExternalId = id, Name = "web" };

        var yaml = ResourceCleanup.Generate([(Row("kubernetes.deployment.apps", "shop/web"), deleter), (Row("kubernetes.service", "shop/web"), deleter), (Row("kubernetes.deployment", "test/web"), deleter), (Row("kubernetes.service.example.com", "shop/web"), deleter)]);

        Assert.Equal(4, yaml.Split('\n').Count(l => l.Trim() == "uses: kubernetes.object.delete"));
        Assert.Contains("      cluster: \"https://127.0.0.1:6443\"", yaml, StringComparison.Ordinal);
        Assert.Contains("  - id: delete-deployment-web\n", yaml.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("  - id: delete-service-web\n", yaml.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("  - id: delete-deployment-web-2\n", yaml.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("  - id: delete-service-web-2\n", yaml.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }
}
