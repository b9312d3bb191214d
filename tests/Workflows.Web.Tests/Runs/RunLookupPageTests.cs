using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Runs;
using Workflows.Web.Components.Runs;
using Workflows.Web.Tests.Testing;

namespace Workflows.Web.Tests.Runs;

public sealed class RunLookupPageTests : PortalTestContext
{
    public RunLookupPageTests() => SignIn("alice", "viewer");

    [Fact]
    public void ShortId_OpensTheRun_WhenOneRunMatches()
    {
        var id = Guid.Parse("a62242a3-0000-4000-8000-000000000001");
        Add(id);
        Add(Guid.Parse("b0000000-0000-4000-8000-000000000001"));

        Render<RunLookupPage>(p => p.Add(l => l.Prefix, "a62242a3"));

        Assert.EndsWith($"/runs/{id}", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal);
    }

    [Fact]
    public void ShortId_OffersAChoice_WhenSeveralRunsMatch()
    {
        var first = Guid.Parse("a62242a3-0000-4000-8000-000000000001");
        var second = Guid.Parse("a62242a3-0000-4000-8000-000000000002");
        Add(first);
        Add(second);

        var cut = Render<RunLookupPage>(p => p.Add(l => l.Prefix, "a62242a3"));

        Assert.NotNull(cut.Find($"[data-testid=run-choice-{first}]"));
        Assert.NotNull(cut.Find($"[data-testid=run-choice-{second}]"));
        Assert.EndsWith("/", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal);
    }

    [Fact]
    public void ShortId_SaysNoRun_WhenNothingMatches()
    {
        var cut = Render<RunLookupPage>(p => p.Add(l => l.Prefix, "deadbeef"));

        Assert.Contains("no run whose id starts with deadbeef", cut.Find("[data-testid=error-state]").TextContent, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("not-a-run")]
    public void ShortId_ExplainsTheFormat_WhenTextCannotBeAnId(string prefix)
    {
        var cut = Render<RunLookupPage>(p => p.Add(l => l.Prefix, prefix));

        Assert.Contains("is not a run id", cut.Find("[data-testid=error-state]").TextContent, StringComparison.Ordinal);
        Assert.Empty(Queries.ListCalls);
    }

    private void Add(Guid id) => Queries.Runs[id] = new RunDetail(TestData.Summary(id, "boot-vm", RunStatus.Succeeded), new Dictionary<string, System.Text.Json.Nodes.JsonNode?>(), []);
}
