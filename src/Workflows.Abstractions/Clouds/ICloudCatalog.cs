namespace Workflows.Abstractions.Clouds;

/// <summary>The OpenStack clouds the server knows: from clouds.yaml, OS_* variables, and clouds registered by runs (e.g. a new DevStack).</summary>
public interface ICloudCatalog
{
    /// <summary>Lists the clouds by name.</summary>
    IReadOnlyList<CloudInfo> List();

    /// <summary>Registers (or replaces) a cloud so later steps can target it by name.</summary>
    Task RegisterAsync(CloudRegistration registration, CancellationToken cancellationToken = default);
}

/// <summary>A configured cloud, without secrets.</summary>
/// <param name="Name">The name used in <c>cloud:</c> inputs.</param>
/// <param name="AuthUrl">The Keystone URL.</param>
/// <param name="Region">The region, if set.</param>
/// <param name="AuthType">The auth type: <c>password</c> or <c>v3applicationcredential</c>.</param>
/// <param name="Source">Where it came from: a clouds.yaml path, <c>environment</c>, <c>sandbox</c> or a run.</param>
public sealed record CloudInfo(string Name, string AuthUrl, string? Region, string AuthType, string Source);

/// <summary>A cloud to register.</summary>
/// <param name="Name">The name.</param>
/// <param name="AuthUrl">The Keystone URL.</param>
/// <param name="Region">The region.</param>
/// <param name="Username">The user.</param>
/// <param name="Password">The password.</param>
/// <param name="ProjectName">The project.</param>
/// <param name="UserDomainName">The user's domain. Default is <c>Default</c>.</param>
/// <param name="ProjectDomainName">The project's domain. Default is <c>Default</c>.</param>
/// <param name="Source">Who registered it (e.g. <c>run 1234…</c>).</param>
public sealed record CloudRegistration(
    string Name,
    string AuthUrl,
    string? Region,
    string Username,
    Secrets.Secret Password,
    string ProjectName,
    string UserDomainName = "Default",
    string ProjectDomainName = "Default",
    string? Source = null);
