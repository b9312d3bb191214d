using System.Text.Json.Nodes;
using Bunit;
using Workflows.Abstractions.Runs;
using Workflows.Web.Components.Runs;
using Workflows.Web.Tests.Testing;

namespace Workflows.Web.Tests.Runs;

public sealed class RunOutputsTests : PortalTestContext
{
    [Fact]
    public void Render_ShowsNothing_WhenNoStepHasOutputs()
    {
        var cut = Render<RunOutputs>(p => p.Add(o => o.Steps, [TestData.Step("server", StepStatus.Running)]));

        Assert.Empty(cut.FindAll("[data-testid=run-outputs]"));
    }

    [Fact]
    public void Render_ShowsEachOutputOfSucceededSteps_WithCopyButton()
    {
        var server = TestData.Step("server", StepStatus.Succeeded) with { Outputs = new JsonObject { ["ip"] = "10.0.0.5", ["id"] = "abc" } };
        var fip = TestData.Step("ip", StepStatus.Succeeded, "server") with { Outputs = new JsonObject { ["floating_ip"] = "172.24.4.10", ["unused"] = "" } };
        var failed = TestData.Step("dns", StepStatus.Failed) with { Outputs = new JsonObject { ["record"] = "half-made" } };

        var cut = Render<RunOutputs>(p => p.Add(o => o.Steps, [server, fip, failed]));

        Assert.Equal("10.0.0.5", cut.Find("[data-testid=output-server-ip] [data-testid=output-value]").TextContent);
        Assert.Equal("172.24.4.10", cut.Find("[data-testid=output-ip-floating_ip] [data-testid=output-value]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=output-ip-unused]"));
        Assert.Empty(cut.FindAll("[data-testid=output-dns-record]"));

        cut.Find("[data-testid=output-server-ip] [data-testid=output-copy]").Click();
        Assert.Equal("10.0.0.5", JSInterop.Invocations["workflowsPortal.copy"].Single().Arguments[0]);
    }

    [Fact]
    public void Render_MasksSecretOutputs_AndShowsJsonUnescaped()
    {
        var step = TestData.Step("cluster", StepStatus.Succeeded) with
        {
            Outputs = new JsonObject { ["password"] = "***", ["ca"] = new JsonObject { ["pem"] = "MIIB+abc/def=" } },
        };

        var cut = Render<RunOutputs>(p => p.Add(o => o.Steps, [step]));

        Assert.NotNull(cut.Find("[data-testid=output-cluster-password] [data-testid=output-masked]"));
        Assert.Empty(cut.FindAll("[data-testid=output-cluster-password] [data-testid=output-copy]"));
        var ca = cut.Find("[data-testid=output-cluster-ca] [data-testid=output-value]").TextContent;
        Assert.Contains("MIIB+abc/def=", ca, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u002B", ca, StringComparison.Ordinal);
    }

    [Fact]
    public void Download_SavesKubeconfigAsFile()
    {
        var step = TestData.Step("credentials", StepStatus.Succeeded) with { Outputs = new JsonObject { ["kubeconfig"] = "apiVersion: v1\nkind: Config\n" } };
        var runId = Guid.NewGuid();

        var cut = Render<RunOutputs>(p => p.Add(o => o.Steps, [step]).Add(o => o.RunId, runId));
        cut.Find("[data-testid=output-credentials-kubeconfig] [data-testid=output-download]").Click();

        var call = JSInterop.Invocations["workflowsPortal.download"].Single();
        Assert.Equal($"credentials-{runId.ToString()[..8]}.kubeconfig", call.Arguments[0]);
        Assert.Equal("apiVersion: v1\nkind: Config\n", call.Arguments[1]);
    }
}
