using Workflows.Abstractions.Clouds;
using Workflows.Abstractions.Secrets;

namespace Workflows.OpenStack.Configuration;

/// <summary>One cloud as openstacksdk understands a clouds.yaml entry. Secrets are <see cref="Secret"/>s, so printing it reveals nothing.</summary>
public sealed record CloudDefinition
{
    /// <summary>The password auth type.</summary>
    public const string PasswordAuth = "password";

    /// <summary>The application-credential auth type.</summary>
    public const string ApplicationCredentialAuth = "v3applicationcredential";

    /// <summary>Gets the cloud's name.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the Keystone URL (with or without <c>/v3</c>).</summary>
    public required string AuthUrl { get; init; }

    /// <summary>Gets the auth type: <c>password</c> or <c>v3applicationcredential</c>. Default is <c>password</c>.</summary>
    public string AuthType { get; init; } = PasswordAuth;

    /// <summary>Gets the user name.</summary>
    public string? Username { get; init; }

    /// <summary>Gets the user id.</summary>
    public string? UserId { get; init; }

    /// <summary>Gets the password.</summary>
    public Secret? Password { get; init; }

    /// <summary>Gets the project name.</summary>
    public string? ProjectName { get; init; }

    /// <summary>Gets the project id.</summary>
    public string? ProjectId { get; init; }

    /// <summary>Gets the user's domain name. Default is <c>Default</c> when no domain id is set.</summary>
    public string? UserDomainName { get; init; }

    /// <summary>Gets the user's domain id.</summary>
    public string? UserDomainId { get; init; }

    /// <summary>Gets the project's domain name. Default is <c>Default</c> when no domain id is set.</summary>
    public string? ProjectDomainName { get; init; }

    /// <summary>Gets the project's domain id.</summary>
    public string? ProjectDomainId { get; init; }

    /// <summary>Gets the application credential id.</summary>
    public string? ApplicationCredentialId { get; init; }

    /// <summary>Gets the application credential name (needs the user too).</summary>
    public string? ApplicationCredentialName { get; init; }

    /// <summary>Gets the application credential secret.</summary>
    public Secret? ApplicationCredentialSecret { get; init; }

    /// <summary>Gets the region.</summary>
    public string? RegionName { get; init; }

    /// <summary>Gets the endpoint interface (<c>public</c>, <c>internal</c>, <c>admin</c>), or null for the default.</summary>
    public string? Interface { get; init; }

    /// <summary>Gets whether TLS certificates are verified. Default is true.</summary>
    public bool Verify { get; init; } = true;

    /// <summary>Gets where the cloud came from: a clouds.yaml path, <c>environment</c>, <c>sandbox</c>, a run.</summary>
    public string Source { get; init; } = "code";

    /// <summary>Creates a password cloud from a registration.</summary>
    public static CloudDefinition FromRegistration(CloudRegistration registration) => new()
    {
        Name = registration.Name,
        AuthUrl = registration.AuthUrl,
        RegionName = registration.Region,
        Username = registration.Username,
        Password = registration.Password,
        ProjectName = registration.ProjectName,
        UserDomainName = registration.UserDomainName,
        ProjectDomainName = registration.ProjectDomainName,
        Source = registration.Source ?? "registered",
    };

    /// <summary>Returns the secret-free summary.</summary>
    public CloudInfo ToInfo() => new(Name, AuthUrl, RegionName, AuthType, Source);
}
