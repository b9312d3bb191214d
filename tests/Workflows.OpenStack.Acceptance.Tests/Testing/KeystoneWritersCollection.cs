namespace Workflows.OpenStack.Acceptance.Tests.Testing;

/// <summary>
/// Scenarios that create Keystone objects (application credentials, projects, role assignments) run one
/// after the other: the Zed peer's Keystone (uwsgi, 4 threads) once refused an application credential
/// with "Could not find role assignment with role: admin" for the demo user while an admin call ran
/// in parallel (it happened again when the fidelity scenario ran beside the quota scenario, and once in CI
/// when the application-credential scenario ran beside a Magnum cluster create, whose conductor and Heat
/// create trusts and trustee users). Magnum scenarios are therefore members too.
/// </summary>
[CollectionDefinition(Name)]
public sealed class KeystoneWritersCollection
{
    public const string Name = "keystone-writers";
}
