using Workflows.OpenStack.Acceptance.Tests.Testing;

namespace Workflows.OpenStack.Acceptance.Tests;

/// <summary>The one test that says plainly whether the suite ran against a real cloud.</summary>
public sealed class AcceptanceSuiteTests
{
    [AcceptanceGateFact]
    public void Suite_RunsAgainstARealCloud_WhenTheTestCommandConfiguresOne() =>
        Assert.True(AcceptanceSettings.Current.IsConfigured, AcceptanceSettings.Current.NotConfiguredMessage + " Set WORKFLOWS_TEST_ALLOW_SKIP=1 to accept that it did not run.");
}
