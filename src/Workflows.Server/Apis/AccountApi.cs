using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
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

        var role = name.Length == 0 ? null : await accounts.CheckPasswordAsync(name, password, http.RequestAborted);
        if (role is null)
        {
            log.LogWarning("Failed sign-in for user {User} from {Address}", name, http.Connection.RemoteIpAddress);
            await audit.RecordAsync(SecurityEventKind.SignInFailed, name.Length == 0 ? "(empty)" : name, "local user: wrong user name or password", http.Connection.RemoteIpAddress?.ToString(), http.RequestAborted);
            return Results.Redirect($"/login?error=1&returnUrl={Uri.EscapeDataString(returnUrl)}");
        }

        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, AuthServiceCollectionExtensions.PortalPrincipal(name, role));
        log.LogInformation("User {User} signed in ({Role})", name, role);
        await audit.RecordAsync(SecurityEventKind.SignIn, name, $"local user as {role}", http.Connection.RemoteIpAddress?.ToString(), http.RequestAborted);
        return Results.Redirect(returnUrl);
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
        http.User.FindFirst("auth")?.Value ?? "cookie"));

    private static async Task<Ok<IReadOnlyList<TokenInfo>>> ListTokensAsync(AccountStore accounts, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await accounts.ListTokensAsync(http.User.IsInRole(Roles.Admin) ? null : http.User.Actor(), ct));

    private static async Task<Ok<IReadOnlyList<SecurityEvent>>> ListSecurityEventsAsync(SecurityAudit audit, int? limit, long? before, CancellationToken ct) =>
        TypedResults.Ok(await audit.ListAsync(limit ?? 100, before, ct));

    private static async Task<Results<Created<CreatedToken>, ValidationProblem, ProblemHttpResult>> CreateTokenAsync([FromBody] CreateTokenRequest request, AccountStore accounts, SecurityAudit audit, HttpContext http, CancellationToken ct)
    {
        var own = Roles.Highest(http.User);
        if (!http.User.IsInRole(Roles.Admin) && http.User.FindFirst("auth")?.Value == "token")
        {
            // A token that mints tokens would outlive its own revocation.
            return TypedResults.Problem(new ProblemDetails { Status = 403, Title = "Forbidden", Detail = "Only an admin may create a token with an API token; sign in to the portal (or with single sign-on) to create your own." });
        }

        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 100)
        {
            errors["name"] = ["is required (1 to 100 characters)"];
        }

        if (!Roles.All.Contains(request.Role))
        {
            errors["role"] = [$"'{request.Role}' is not a role: use viewer, operator or admin"];
        }

        if (request.ExpiresInDays is < 1 or > 3650)
        {
            errors["expiresInDays"] = ["must be between 1 and 3650"];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        if (Roles.All.ToList().IndexOf(request.Role) > Roles.All.ToList().IndexOf(own ?? ""))
        {
            return TypedResults.Problem(new ProblemDetails
            {
                Status = 403,
                Title = "Forbidden",
                Detail = $"A token may have at most your own role ({own ?? "none"}); '{request.Role}' is higher.",
                Extensions = { ["field"] = "role" },
            });
        }

        var (id, token) = await accounts.CreateTokenAsync(request.Name, request.Role, http.User.Actor(), request.ExpiresInDays is { } d ? TimeSpan.FromDays(d) : null, ct);
        await audit.RecordAsync(SecurityEventKind.TokenCreated, http.User.Actor(), $"token '{request.Name}' ({id}) as {request.Role}{(request.ExpiresInDays is { } days ? $", expires in {days} days" : "")}", http.Connection.RemoteIpAddress?.ToString(), ct);
        return TypedResults.Created($"/api/tokens/{id}", new CreatedToken(id, request.Name, request.Role, token));
    }

    private static async Task<Results<NoContent, NotFound>> DeleteTokenAsync(string id, AccountStore accounts, SecurityAudit audit, HttpContext http, CancellationToken ct)
    {
        // Someone else's token answers 404 like an unknown one: its existence is not theirs to learn.
        if (!await accounts.DeleteTokenAsync(id, http.User.IsInRole(Roles.Admin) ? null : http.User.Actor(), ct))
        {
            return TypedResults.NotFound();
        }

        await audit.RecordAsync(SecurityEventKind.TokenRevoked, http.User.Actor(), $"token {id}", http.Connection.RemoteIpAddress?.ToString(), ct);
        return TypedResults.NoContent();
    }
}

/// <summary>Who the caller is.</summary>
/// <param name="Name">The name recorded as the actor.</param>
/// <param name="Role">The highest role.</param>
/// <param name="Groups">The groups from single sign-on (empty for local users and tokens).</param>
/// <param name="Auth">How they signed in: cookie (local user), oidc (single sign-on) or token.</param>
public sealed record CurrentUser(string Name, string Role, IReadOnlyList<string> Groups, string Auth);

/// <summary>A request for a new API token.</summary>
/// <param name="Name">Its name (shown as the actor in the audit).</param>
/// <param name="Role">viewer, operator or admin.</param>
/// <param name="ExpiresInDays">Its lifetime, or null for none.</param>
public sealed record CreateTokenRequest([property: Required] string Name, [property: Required] string Role, int? ExpiresInDays = null);

/// <summary>A new token; <paramref name="Token"/> is shown only once.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Name">Its name.</param>
/// <param name="Role">Its role.</param>
/// <param name="Token">The bearer token.</param>
public sealed record CreatedToken(string Id, string Name, string Role, string Token);
