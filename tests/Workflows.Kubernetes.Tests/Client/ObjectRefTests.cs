using Workflows.Kubernetes.Client;

namespace Workflows.Kubernetes.Tests.Client;

/// <summary>The ledger kind of an object carries its API group, so kinds of the same name in two groups never share a row.</summary>
public sealed class ObjectRefTests
{
    private static readonly Dictionary<string, string> NoProperties = [];

    [Theory]
    [InlineData("v1", "Service", "kubernetes.service")]
    [InlineData("v1", "Namespace", "kubernetes.namespace")]
    [InlineData("apps/v1", "Deployment", "kubernetes.deployment.apps")]
    [InlineData("example.com/v1", "Service", "kubernetes.service.example.com")]
    [InlineData("Networking.K8s.io/v1", "Ingress", "kubernetes.ingress.networking.k8s.io")]
    public void LedgerKind_IsTheKind_FollowedByTheGroup_OutsideTheCoreGroup(string apiVersion, string kind, string expected) =>
        Assert.Equal(expected, new ObjectRef(apiVersion, kind, "shop", "web").LedgerKind);

    [Fact]
    public void LedgerKind_OfACoreServiceAndOfACustomServiceOfTheSameName_Differ()
    {
        var core = new ObjectRef("v1", "Service", "shop", "web");
        var custom = new ObjectRef("example.com/v1", "Service", "shop", "web");

        Assert.NotEqual(core.LedgerKind, custom.LedgerKind);
        Assert.Equal(core.LedgerId, custom.LedgerId);
        Assert.Equal(core.LegacyLedgerKind, custom.LegacyLedgerKind);
    }

    [Fact]
    public void IsLedgerRow_AcceptsTheRowOfItsLedgerKind()
    {
        var deployment = new ObjectRef("apps/v1", "Deployment", "shop", "web");

        Assert.True(deployment.IsLedgerRow("kubernetes.deployment.apps", "shop/web", NoProperties));
        Assert.False(deployment.IsLedgerRow("kubernetes.deployment.apps", "test/web", NoProperties));
    }

    [Fact]
    public void IsLedgerRow_AcceptsARowRecordedBeforeKindsCarriedTheGroup_WhenItsRecordedApiVersionIsOfTheSameGroup()
    {
        var deployment = new ObjectRef("apps/v1", "Deployment", "shop", "web");

        Assert.True(deployment.IsLedgerRow("kubernetes.deployment", "shop/web", new Dictionary<string, string> { ["apiVersion"] = "apps/v1", ["kind"] = "Deployment" }));
        Assert.True(deployment.IsLedgerRow("kubernetes.deployment", "shop/web", new Dictionary<string, string> { ["apiVersion"] = "apps/v1beta2", ["kind"] = "Deployment" }));
    }

    [Fact]
    public void IsLedgerRow_RefusesAnOldRowOfTheSameKindNameInAnotherGroup()
    {
        var custom = new ObjectRef("example.com/v1", "Service", "shop", "web");
        var coreRow = new Dictionary<string, string> { ["apiVersion"] = "v1", ["kind"] = "Service" };

        Assert.False(custom.IsLedgerRow("kubernetes.service", "shop/web", coreRow));
        Assert.False(custom.IsLedgerRow("kubernetes.service", "shop/web", NoProperties));
        Assert.True(new ObjectRef("v1", "Service", "shop", "web").IsLedgerRow("kubernetes.service", "shop/web", coreRow));
    }
}
