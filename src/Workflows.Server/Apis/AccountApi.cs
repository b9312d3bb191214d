using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Workflows.Abstractions.Accounts;
using Workflows.Server.Auth;

namespace Workflows.Server.Apis;

/// <summary>Portal sign-in and sign-out, and API token management.</summary>
public static class AccountApi
{
    /// <summary>Maps <c>/account/*</c> and <c>/api/tokens</c>.</summary>
    public static IEndpointRouteBuilder MapAccountApi(this IEndpointRouteBuilder app)
    {
        var account = app.MapGroup("/account").WithTags("Account");
        account.MapPost("/login", LoginAsync).AllowAnonymous().WithName("SignIn").WithSummary("Signs a portal user in (form post with antiforgery token).").DisableAntiforgery();
        account.MapPost("/logout", LogoutAsync).WithName("SignOut").WithSummary("Signs the portal user out (and out of the single sign-on provider when they came from it).");
        account.MapGet("/sso", SingleSignOnAsync).AllowAnonymous().WithName("SingleSignOn").WithSummary("Starts single sign-on at the OpenID Connect provider (404 when none is configured).");
        account.MapGet("/sso/complete", SingleSignOnComplete).AllowAnonymous().ExcludeFromDescription();

        account.MapPost("/change-password", ChangePasswordFormAsync).WithName("ChangePasswordForm").WithSummary("Changes the signed-in user's password (form post of the portal's change-password page).").DisableAntiforgery();

        var users = app.MapGroup("/api/users").WithTags("Users").RequireAuthorization(Roles.CanAdminister);
        users.MapGet("/", ListUsersAsync).WithName("ListUsers").WithSummary("Lists users: local (managed here), from configuration and from single sign-on (read-only), with role, disabled and last sign-in.");
        users.MapPost("/", CreateUserAsync).WithName("CreateUser").WithSummary("Adds a local user who must change the password at first sign-in; a generated one-time password is in this response only.")
            .ProducesValidationProblem().ProducesProblem(409);
        users.MapPatch("/{name}", ChangeUserAsync).WithName("ChangeUser").WithSummary("Changes a local user's role or disables/enables them (never the last enabled admin: 409); their sessions end, a disabled user's tokens stop working.")
            .ProducesValidationProblem().ProducesProblem(404).ProducesProblem(409);
        users.MapPost("/{name}/password", ResetPasswordAsync).WithName("ResetPassword").WithSummary("Resets a local user's password (given, or generated and shown once); they must change it at next sign-in.")
            .ProducesValidationProblem().ProducesProblem(404).ProducesProblem(409);
        app.MapPost("/api/me/password", ChangeOwnPasswordAsync).WithTags("Account").RequireAuthorization(Roles.CanRead)
            .WithName("ChangeMyPassword").WithSummary("Changes the caller's own password (local users); the current one is required. Clears a forced change; other sessions end.")
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(409);

        var tokens = app.MapGroup("/api/tokens").WithTags("Tokens").RequireAuthorization(Roles.CanRead);
        tokens.MapGet("/", ListTokensAsync).WithName("ListTokens").WithSummary("Lists API tokens (never their values): all for an admin, one's own for others.");
        tokens.MapPost("/", CreateTokenAsync).WithName("CreateToken").WithSummary("Creates an API token with at most the caller's own role; the value is shown only in this response.")
            .ProducesProblem(403);
        tokens.MapDelete("/{id}", DeleteTokenAsync).WithName("DeleteToken").WithSummary("Revokes an API token (an admin any, others their own).");
        app.MapGet("/api/me", Me).WithTags("Account").RequireAuthorization(Roles.CanRead)
            .WithName("GetCurrentUser").WithSummary("Tells who the caller is: name, role, groups and how they signed in.");
        app.MapGet("/api/security/events", ListSecurityEventsAsync).WithTags("Account").RequireAuthorization(Roles.CanAdminister)
            .WithName("ListSecurityEvents").WithSummary("Lists the security journal, newest first: sign-ins, refused and failed sign-ins, sign-outs, tokens created and revoked.");
        return app;
    }

    private static async Task<IResult> SingleSignOnAsync(HttpContext http, string? returnUrl, Microsoft.Extensions.Options.IOptions<OidcOptions> oidc)
    {
        if (!oidc.Value.Enabled)
        {
            return TypedResults.Problem(Problems.NotFound("Single sign-on is not configured (Auth:Oidc:Authority)."));
        }

        try
        {
            // With a provider that offers pushed authorization requests, the client authenticates here already.
            await http.ChallengeAsync(OidcOptions.SchemeName, new AuthenticationProperties { RedirectUri = OidcSignIn.LocalUrl(returnUrl) });
            return Results.Empty;
        }
        catch (Exception e) when (e is not OperationCanceledException && !http.Response.HasStarted)
        {
            return Results.Redirect($"/login?error={await OidcSignIn.RecordFailureAsync(http, e)}");
        }
    }

    // A page of the portal's own site that moves on at once: a navigation it starts is same-site, so the browser sends
    // the SameSite=Strict sign-in cookie that the cross-site redirect chain from the provider could not carry.
    private static ContentHttpResult SingleSignOnComplete(string? returnUrl)
    {
        var url = System.Net.WebUtility.HtmlEncode(OidcSignIn.LocalUrl(returnUrl));
        return TypedResults.Content(
            $"""<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url={url}"><title>Signed in · Workflows</title></head><body><p>Signed in. <a href="{url}">Continue</a>.</p></body></html>""",
            "text/html; charset=utf-8");
    }

    /// <summary>Describes the caller for the account rules and the security journal.</summary>
    public static AccountActor ActorOf(HttpContext http) =>
        new(
            http.User.Actor(),
            Roles.Highest(http.User) ?? Roles.Viewer,
            http.User.FindFirst("auth")?.Value ?? "cookie",
            http.Connection.RemoteIpAddress?.ToString(),
            [.. http.User.FindAll(Workflows.Abstractions.Definitions.WorkflowPermissions.GroupClaimType).Select(c => c.Value)]);

    /// <summary>The problem for a refused account change: 400 naming the field, 403, 404 or 409.</summary>
    public static IResult Problem(AccountException e)
    {
        if (e.Kind == AccountErrorKind.Invalid)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [e.Field ?? ""] = [e.Message] }, detail: e.Message, title: "Invalid input");
        }

        var (status, title) = e.Kind switch
        {
            AccountErrorKind.Forbidden => (403, "Forbidden"),
            AccountErrorKind.NotFound => (404, "Not found"),
            _ => (409, "Conflict"),
        };
        var problem = new ProblemDetails { Status = status, Title = title, Detail = e.Message };
        if (e.Field is { } field)
        {
            problem.Extensions["field"] = field;
        }

        return TypedResults.Problem(problem);
    }

    private static async Task<IResult> ListUsersAsync(IAccountAdministration admin, CancellationToken ct) => TypedResults.Ok(await admin.ListUsersAsync(ct));

    private static async Task<IResult> CreateUserAsync([FromBody] CreateUserRequest request, IAccountAdministration admin, HttpContext http, CancellationToken ct)
    {
        try
        {
            var generated = await admin.CreateUserAsync(ActorOf(http), request.Name, request.Role, request.Password, ct);
            return TypedResults.Created($"/api/users/{Uri.EscapeDataString(request.Name.Trim())}", new PasswordIssued(request.Name.Trim(), generated));
        }
        catch (AccountException e)
        {
            return Problem(e);
        }
    }

    private static async Task<IResult> ChangeUserAsync(string name, [FromBody] ChangeUserRequest request, IAccountAdministration admin, HttpContext http, CancellationToken ct)
    {
        if (request.Role is null && request.Disabled is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["role"] = ["give a role, disabled, or both"] });
        }

        try
        {
            if (request.Role is { } role)
            {
                await admin.SetRoleAsync(ActorOf(http), name, role, ct);
            }

            if (request.Disabled is { } disabled)
            {
                await admin.SetDisabledAsync(ActorOf(http), name, disabled, ct);
            }

            return TypedResults.Ok((await admin.ListUsersAsync(ct)).First(u => u.Name == name));
        }
        catch (AccountException e)
        {
            return Problem(e);
        }
    }

    private static async Task<IResult> ResetPasswordAsync(string name, [FromBody] ResetPasswordRequest? request, IAccountAdministration admin, HttpContext http, CancellationToken ct)
    {
        try
        {
            var generated = await admin.ResetPasswordAsync(ActorOf(http), name, request?.Password, ct);
            return TypedResults.Ok(new PasswordIssued(name, generated));
        }
        catch (AccountException e)
        {
            return Problem(e);
        }
    }

    private static async Task<IResult> ChangeOwnPasswordAsync([FromBody] ChangePasswordRequest request, AccountAdministration admin, AccountStore accounts, HttpContext http, CancellationToken ct)
    {
        try
        {
            var stamp = await admin.ChangeOwnPasswordReturningStampAsync(ActorOf(http), request.Current ?? "", request.New ?? "", ct);
            await RenewCookieAsync(http, accounts, stamp, ct);
            return TypedResults.NoContent();
        }
        catch (AccountException e)
        {
            return Problem(e);
        }
    }

    private static async Task<IResult> ChangePasswordFormAsync(HttpContext http, IAntiforgery antiforgery, AccountAdministration admin, AccountStore accounts, CancellationToken ct)
    {
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return Results.BadRequest("The form expired; reload the page and try again.");
        }

        var form = await http.Request.ReadFormAsync(ct);
        var returnUrl = SafeLocal(form["returnUrl"].ToString());
        string Back(string error) => $"{PasswordChangeGate.PagePath}?error={error}&returnUrl={Uri.EscapeDataString(returnUrl)}";
        if (!string.Equals(form["new"].ToString(), form["confirm"].ToString(), StringComparison.Ordinal))
        {
            return Results.Redirect(Back("confirm"));
        }

        try
        {
            var stamp = await admin.ChangeOwnPasswordReturningStampAsync(ActorOf(http), form["current"].ToString(), form["new"].ToString(), ct);
            await RenewCookieAsync(http, accounts, stamp, ct);
            return Results.Redirect(returnUrl == "/" ? "/?passwordChanged=1" : returnUrl);
        }
        catch (AccountException e)
        {
            return Results.Redirect(Back(e.Field switch
            {
                "current" => "current",
                "new" => "policy",
                _ => e.Kind == AccountErrorKind.Conflict ? "configuration" : "sso",
            }));
        }
    }

    // A new cookie with the new stamp, without the forced change: this session goes on, the user's others end.
    private static async Task RenewCookieAsync(HttpContext http, AccountStore accounts, string stamp, CancellationToken ct)
    {
        if (http.User.FindFirst("auth")?.Value == "cookie" && await accounts.GetUserAsync(http.User.Actor(), ct) is { } user)
        {
            await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, AuthServiceCollectionExtensions.PortalPrincipal(user.Name, user.Role, stamp, mustChangePassword: false));
        }
    }

    private static string SafeLocal(string returnUrl) =>
        string.IsNullOrEmpty(returnUrl) || !returnUrl.StartsWith('/') || returnUrl.StartsWith("//", StringComparison.Ordinal) || returnUrl.StartsWith("/\\", StringComparison.Ordinal)
            ? "/"
            : returnUrl;

    private static async Task<IResult> LoginAsync(HttpContext http, IAntiforgery antiforgery, AccountStore accounts, SecurityAudit audit, ILoggerFactory loggers)
    {
        var log = loggers.CreateLogger("Workflows.Server.Account");
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return Results.BadRequest("The sign-in form expired; reload the page and try again.");
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var name = form["username"].ToString().Trim();
        var password = form["password"].ToString();
        var returnUrl = form["returnUrl"].ToString();
        if (string.IsNullOrEmpty(returnUrl) || !returnUrl.StartsWith('/') || returnUrl.StartsWith("//", StringComparison.Ordinal) || returnUrl.StartsWith("/\\", StringComparison.Ordinal))
        {
            returnUrl = "/";
        }

        var check = name.Length == 0 ? null : await accounts.CheckPasswordAsync(name, password, http.RequestAborted);
        if (check is { Disabled: true })
        {
            // Told only to someone who knows the password: a stranger learns nothing about which users exist.
            await audit.RecordAsync(SecurityEventKind.SignInRefused, name, "local user is disabled", http.Connection.RemoteIpAddress?.ToString(), http.RequestAborted);
            return Results.Redirect($"/login?error=disabled&returnUrl={Uri.EscapeDataString(returnUrl)}");
        }

        if (check is null)
        {
            log.LogWarning("Failed sign-in for user {User} from {Address}", name, http.Connection.RemoteIpAddress);
            await audit.RecordAsync(SecurityEventKind.SignInFailed, name.Length == 0 ? "(empty)" : name, "local user: wrong user name or password", http.Connection.RemoteIpAddress?.ToString(), http.RequestAborted);
            return Results.Redirect($"/login?error=1&returnUrl={Uri.EscapeDataString(returnUrl)}");
        }

        var role = check.Role;
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, AuthServiceCollectionExtensions.PortalPrincipal(name, role, check.SecurityStamp, check.MustChangePassword));
        log.LogInformation("User {User} signed in ({Role})", name, role);
        await accounts.RecordSignInAsync(name, http.RequestAborted);
        await audit.RecordAsync(SecurityEventKind.SignIn, name, $"local user as {role}{(check.MustChangePassword ? "; must change the password first" : "")}", http.Connection.RemoteIpAddress?.ToString(), http.RequestAborted);
        return Results.Redirect(check.MustChangePassword ? $"{PasswordChangeGate.PagePath}?returnUrl={Uri.EscapeDataString(returnUrl)}" : returnUrl);
    }

    private static async Task<IResult> LogoutAsync(HttpContext http, SecurityAudit audit, Microsoft.Extensions.Options.IOptions<OidcOptions> oidc, CancellationToken ct)
    {
        var user = http.User;
        var signedIn = user.Identity?.IsAuthenticated == true;
        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        if (signedIn)
        {
            await audit.RecordAsync(SecurityEventKind.SignOut, user.Actor(), user.FindFirst("auth")?.Value == OidcSignIn.AuthMethod ? "single sign-on user; also at the provider when it offers end_session" : "local user", http.Connection.RemoteIpAddress?.ToString(), ct);
        }

        if (signedIn && oidc.Value.Enabled && user.FindFirst("auth")?.Value == OidcSignIn.AuthMethod)
        {
            // Ends the session at the provider too (RP-initiated logout with the ID token as hint), then back to /login.
            return Results.SignOut(new AuthenticationProperties { RedirectUri = "/login?signedOut=1" }, [OidcOptions.SchemeName]);
        }

        return Results.Redirect("/login?signedOut=1");
    }

    private static Ok<CurrentUser> Me(HttpContext http) => TypedResults.Ok(new CurrentUser(
        http.User.Actor(),
        Roles.Highest(http.User) ?? Roles.Viewer,
        http.User.FindAll(Workflows.Abstractions.Definitions.WorkflowPermissions.GroupClaimType).Select(c => c.Value).ToList(),
        http.User.FindFirst("auth")?.Value ?? "cookie")
    {
        DisplayName = Workflows.Abstractions.Accounts.Actors.Display(http.User.Actor()),
    });

    private static async Task<Ok<IReadOnlyList<TokenInfo>>> ListTokensAsync(IAccountAdministration admin, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await admin.ListTokensAsync(ActorOf(http), ct));

    private static async Task<Ok<IReadOnlyList<SecurityEvent>>> ListSecurityEventsAsync(SecurityAudit audit, int? limit, long? before, CancellationToken ct) =>
        TypedResults.Ok(await audit.ListAsync(limit ?? 100, before, ct));

    private static async Task<IResult> CreateTokenAsync([FromBody] CreateTokenRequest request, IAccountAdministration admin, HttpContext http, CancellationToken ct)
    {
        try
        {
            var created = await admin.CreateTokenAsync(ActorOf(http), request.Name, request.Role, request.ExpiresInDays, request.Groups, ct);
            return TypedResults.Created($"/api/tokens/{created.Id}", created);
        }
        catch (AccountException e)
        {
            return Problem(e);
        }
    }

    private static async Task<IResult> DeleteTokenAsync(string id, IAccountAdministration admin, HttpContext http, CancellationToken ct)
    {
        try
        {
            await admin.RevokeTokenAsync(ActorOf(http), id, ct);
            return TypedResults.NoContent();
        }
        catch (AccountException e) when (e.Kind == AccountErrorKind.NotFound)
        {
            return TypedResults.NotFound();
        }
    }
}

/// <summary>Who the caller is.</summary>
/// <param name="Name">The name recorded as the actor.</param>
/// <param name="Role">The highest role.</param>
/// <param name="Groups">The groups from single sign-on, or a token's groups (empty for local users).</param>
/// <param name="Auth">How they signed in: cookie (local user), oidc (single sign-on) or token.</param>
public sealed record CurrentUser(string Name, string Role, IReadOnlyList<string> Groups, string Auth)
{
    /// <summary>Gets the name for people: <c>alice</c>, or <c>alice (SSO)</c> for a single sign-on user (whose <see cref="Name"/>, the actor id, is <c>oidc:alice</c>).</summary>
    public string DisplayName { get; init; } = Name;
}

/// <summary>A request for a new API token.</summary>
/// <param name="Name">Its name (shown as the actor in the audit).</param>
/// <param name="Role">viewer, operator or admin.</param>
/// <param name="ExpiresInDays">Its lifetime, or null for none.</param>
/// <param name="Groups">Its groups for workflows' <c>permissions:</c>; null for the caller's own (single sign-on) groups.</param>
public sealed record CreateTokenRequest([property: Required] string Name, [property: Required] string Role, int? ExpiresInDays = null, IReadOnlyList<string>? Groups = null);

/// <summary>A request for a new local user.</summary>
/// <param name="Name">The user name.</param>
/// <param name="Role">viewer, operator or admin.</param>
/// <param name="Password">The initial password, or null to generate a one-time password.</param>
public sealed record CreateUserRequest([property: Required] string Name, [property: Required] string Role, string? Password = null);

/// <summary>A change of a local user: a role, disabled, or both.</summary>
/// <param name="Role">The new role, or null.</param>
/// <param name="Disabled">Whether the user is disabled, or null.</param>
public sealed record ChangeUserRequest(string? Role = null, bool? Disabled = null);

/// <summary>A password reset by an admin.</summary>
/// <param name="Password">The new password, or null to generate a one-time password.</param>
public sealed record ResetPasswordRequest(string? Password = null);

/// <summary>A change of one's own password.</summary>
/// <param name="Current">The current password.</param>
/// <param name="New">The new password.</param>
public sealed record ChangePasswordRequest(string? Current, string? New);

/// <summary>A user whose password was set; <paramref name="OneTimePassword"/> (when generated) is shown only once.</summary>
/// <param name="Name">The user name.</param>
/// <param name="OneTimePassword">The generated password, or null when the admin gave one.</param>
public sealed record PasswordIssued(string Name, string? OneTimePassword);
