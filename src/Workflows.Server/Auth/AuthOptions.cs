namespace Workflows.Server.Auth;

/// <summary>Users and API tokens from configuration (section <c>Auth</c>), besides those stored in the database.</summary>
public sealed class AuthOptions
{
    /// <summary>The configuration section name.</summary>
    public const string Section = "Auth";

    /// <summary>Gets or sets users with hashed passwords (hash with <c>Workflows.Server hash-password</c>). Default is none.</summary>
    public List<ConfiguredUser> Users { get; set; } = [];

    /// <summary>Gets or sets API tokens: the SHA-256 (hex) of each token and its role. Default is none.</summary>
    public List<ConfiguredToken> ApiTokens { get; set; } = [];

    /// <summary>Gets or sets whether a first start with no user creates an admin and prints its one-time password. Default is true.</summary>
    public bool BootstrapAdmin { get; set; } = true;

    /// <summary>Gets or sets how long a portal sign-in lasts. Default is 12 hours.</summary>
    public TimeSpan CookieLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>
    /// Gets or sets how long a server trusts what it last read of a signed-in user (security stamp, disabled) before
    /// reading it again; a change made on the same server applies at once. Default is 30 seconds.
    /// </summary>
    public TimeSpan SessionCheckInterval { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>A user from configuration.</summary>
public sealed class ConfiguredUser
{
    /// <summary>Gets or sets the user name.</summary>
    public string Name { get; set; } = "";

    /// <summary>Gets or sets the password hash (ASP.NET Core Identity v3 format).</summary>
    public string PasswordHash { get; set; } = "";

    /// <summary>Gets or sets the role: viewer, operator or admin. Default is viewer.</summary>
    public string Role { get; set; } = Roles.Viewer;
}

/// <summary>An API token from configuration.</summary>
public sealed class ConfiguredToken
{
    /// <summary>Gets or sets the token's name (the actor in the audit).</summary>
    public string Name { get; set; } = "";

    /// <summary>Gets or sets the lowercase hex SHA-256 of the token (never the token itself).</summary>
    public string Sha256 { get; set; } = "";

    /// <summary>Gets or sets the role. Default is viewer.</summary>
    public string Role { get; set; } = Roles.Viewer;

    /// <summary>Gets or sets the groups the token counts as a member of (for workflows' <c>permissions:</c>). Default is none.</summary>
    public List<string> Groups { get; set; } = [];
}
