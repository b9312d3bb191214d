using System.Globalization;
using System.Net;
using System.Text;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Secrets;
using Workflows.Server.Triggers;

namespace Workflows.Server.Tests.Triggers;

/// <summary>The repository's pipeline definitions load with the server's registered actions, and ci-rollout's webhook maps CI payloads.</summary>
[Collection(TriggerHostsCollection.Name)]
public sealed class PipelineDefinitionTests
{
    private const string Secret = "ci-rollout-test-secret";

    [Fact]
    public async Task PipelineDefinitions_LoadWithoutErrors_WithTheServersActions()
    {
        await using var host = await StartAsync();

        Assert.Empty(host.Catalog.Errors);
        var ci = host.Catalog.Get("ci-rollout");
        var platform = host.Catalog.Get("platform-from-scratch");
        Assert.NotNull(ci);
        Assert.NotNull(platform);
        Assert.Equal("ci-rollout", Assert.Single(ci.Triggers, t => t.Kind == TriggerKind.Webhook).Name);
        Assert.Equal(
            ["devstack.install", "nova.server.create", "neutron.floatingip.attach", "magnum.cluster.create", "magnum.cluster.credentials", "docker.service.deploy", "kubernetes.apply", "kubernetes.rollout"],
            platform.Steps.Select(s => s.Uses));
        Assert.All(platform.Steps.Where(s => s.Id is not ("credentials" or "rollout")), s => Assert.NotNull(s.Compensate));
    }

    [Fact]
    public async Task CiRollout_IgnoresOtherBranches_AndNamesTheMissingTag()
    {
        await using var host = await StartAsync();
        var client = host.Anonymous();

        var other = await client.SendAsync(Signed("""{"ref":"refs/heads/dev","service":"web","image":{"repository":"registry.example.com/team/web","tag":"1.4.2"}}"""));
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal("ignored", (string?)(await TriggerHost.JsonAsync(other))["status"]);

        var noTag = await client.SendAsync(Signed("""{"ref":"refs/heads/main","service":"web","image":{"repository":"registry.example.com/team/web"}}"""));
        Assert.Equal((HttpStatusCode)422, noTag.StatusCode);
        Assert.NotNull((await TriggerHost.JsonAsync(noTag))["errors"]!["inputs.tag"]);
        Assert.Empty((await host.Queries.ListAsync(new Workflows.Abstractions.Runs.RunFilter { Workflow = "ci-rollout" })).Items);
    }

    private static async Task<TriggerHost> StartAsync()
    {
        // The repository is found from this source file, so the test also works with a separate --artifacts-path.
        var root = Path.GetDirectoryName(SourceFile())!;
        while (!File.Exists(Path.Combine(root, "Workflows.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("repository root (Workflows.sln) not found above " + SourceFile());
        }

        var files = new Dictionary<string, string>();
        foreach (var name in new[] { "ci-rollout", "platform-from-scratch" })
        {
            files[name] = await File.ReadAllTextAsync(Path.Combine(root, "workflows", name + ".yaml"));
        }

        return await TriggerHost.StartAsync("sqlite", files, new Dictionary<string, string?> { ["Webhooks:Secrets:ci-rollout"] = Secret });
    }

    private static string SourceFile([System.Runtime.CompilerServices.CallerFilePath] string path = "") => path;

    private static HttpRequestMessage Signed(string body)
    {
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/ci-rollout") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Timestamp", ts.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("X-Signature", WebhookSignatures.SignGeneric(new Secret(Secret), ts, Encoding.UTF8.GetBytes(body)));
        request.Headers.Add("X-Delivery-Id", Guid.NewGuid().ToString());
        return request;
    }
}
