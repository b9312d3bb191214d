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
        account.MapPost("/logout", LogoutAsync).WithName("SignOut").WithSummary("Signs the portal user out.");

        var tokens = app.MapGroup("/api/tokens").WithTags("Tokens").RequireAuthorization(Roles.CanAdminister);
        tokens.MapGet("/", ListTokensAsync).WithName("ListTokens").WithSummary("Lists API tokens (never their values).");
        tokens.MapPost("/", CreateTokenAsync).WithName("CreateToken").WithSummary("Creates an API token; the value is shown only in this response.");
        tokens.MapDelete("/{id}", DeleteTokenAsync).WithName("DeleteToken").WithSummary("Revokes an API token.");
        return app;
    }

    private static async Task<IResult> LoginAsync(HttpContext http, IAntiforgery antiforgery, AccountStore accounts, ILoggerFactory loggers)
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
            return Results.Redirect($"/login?error=1&returnUrl={Uri.EscapeDataString(returnUrl)}");
        }

        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, AuthServiceCollectionExtensions.PortalPrincipal(name, role));
        log.LogInformation("User {User} signed in ({Role})", name, role);
        return Results.Redirect(returnUrl);
    }

    private static async Task<IResult> LogoutAsync(HttpContext http, CancellationToken ct)
    {
        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return Results.Redirect("/login");
    }

    private static async Task<Ok<IReadOnlyList<TokenInfo>>> ListTokensAsync(AccountStore accounts, CancellationToken ct) =>
        TypedResults.Ok(await accounts.ListTokensAsync(ct));

    private static async Task<Results<Created<CreatedToken>, ValidationProblem>> CreateTokenAsync([FromBody] CreateTokenRequest request, AccountStore accounts, HttpContext http, CancellationToken ct)
    {
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

        var (id, token) = await accounts.CreateTokenAsync(request.Name, request.Role, http.User.Actor(), request.ExpiresInDays is { } d ? TimeSpan.FromDays(d) : null, ct);
        return TypedResults.Created($"/api/tokens/{id}", new CreatedToken(id, request.Name, request.Role, token));
    }

    private static async Task<Results<NoContent, NotFound>> DeleteTokenAsync(string id, AccountStore accounts, CancellationToken ct) =>
        await accounts.DeleteTokenAsync(id, ct) ? TypedResults.NoContent() : TypedResults.NotFound();
}

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
