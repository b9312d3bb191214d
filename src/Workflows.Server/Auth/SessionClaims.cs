namespace Workflows.Server.Auth;

/// <summary>Claims of a local user's portal session besides name, role and <c>auth</c>.</summary>
public static class SessionClaims
{
    /// <summary>The user's security stamp when the session began; a different stored stamp ends the session.</summary>
    public const string Stamp = "wf_stamp";

    /// <summary>Present ("true") while the user must choose a new password before doing anything else.</summary>
    public const string MustChangePassword = Workflows.Abstractions.Accounts.AccountClaims.MustChangePassword;
}
