using System.Security.Claims;
using System.Security.Cryptography;
using Hangfire.Dashboard;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Workflows.Engine.Storage;
using Workflows.Server.Auth;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Authentication (portal cookie, API bearer tokens) and role policies; everything requires sign-in unless marked anonymous.</summary>
public static class AuthServiceCollectionExtensions
{
    /// <summary>Adds cookie and API-token authentication, the role policies and a fallback policy that requires a signed-in user.</summary>
    public static IServiceCollection AddWorkflowAuth(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.Section))
            .Validate(o => o.Users.All(u => Roles.All.Contains(u.Role)) && o.ApiTokens.All(t => Roles.All.Contains(t.Role)), "Auth: every role must be viewer, operator or admin.")
            .Validate(o => o.ApiTokens.All(t => t.Sha256.Length == 64), "Auth:ApiTokens: Sha256 must be the 64-character hex SHA-256 of the token.")
            .ValidateOnStart();
        services.AddMemoryCache();
        services.AddSingleton<AccountStore>();
        services.AddSingleton<SecurityAudit>();
        services.TryAddSingleton<AccountAdministration>();
        services.TryAddSingleton<Workflows.Abstractions.Accounts.IAccountAdministration>(sp => sp.GetRequiredService<AccountAdministration>());
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, PasswordChangeGate>();
        services.AddScoped<Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider, SessionRevalidation>();
        services.AddHostedService<AccountBootstrap>();
        services.AddAuthentication("smart")
            .AddPolicyScheme("smart", "Cookie or API token", o =>
                o.ForwardDefaultSelector = ctx => ctx.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                    ? ApiTokenHandler.SchemeName
                    : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiTokenHandler>(ApiTokenHandler.SchemeName, null)
            .AddCookie(CookieAuthenticationDefaults.AuthenticationScheme, o =>
            {
                o.LoginPath = "/login";
                // One spelling of the return parameter everywhere (the sign-in page, the portal's own redirect, single
                // sign-on, the password change), instead of the handler's default "ReturnUrl".
                o.ReturnUrlParameter = "returnUrl";
                o.LogoutPath = "/account/logout";
                o.Cookie.Name = "workflows.auth";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.SlidingExpiration = true;
                o.Events.OnRedirectToLogin = ctx => ApiAware(ctx, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = ctx => ApiAware(ctx, StatusCodes.Status403Forbidden);
                o.Events.OnValidatePrincipal = ValidateStampAsync;
            })
            .AddWorkflowOidc(configuration);
        services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthOptions>>((c, a) => c.ExpireTimeSpan = a.Value.CookieLifetime);
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(Roles.CanRead, p => p.RequireRole(Roles.Viewer, Roles.Operator, Roles.Admin))
            .AddPolicy(Roles.CanOperate, p => p.RequireRole(Roles.Operator, Roles.Admin))
            .AddPolicy(Roles.CanAdminister, p => p.RequireRole(Roles.Admin));
        services.AddCascadingAuthenticationState();
        return services;
    }

    /// <summary>Gets the actor id of a user for the audit, runs, approvals and tokens (<see cref="Workflows.Abstractions.Accounts.Actors"/>).</summary>
    public static string Actor(this ClaimsPrincipal user) => Workflows.Abstractions.Accounts.Actors.Of(user);

    /// <summary>Builds the claims principal of a local portal user.</summary>
    /// <param name="name">The user name.</param>
    /// <param name="role">The role.</param>
    /// <param name="stamp">The user's security stamp: the session ends when the stored one changes.</param>
    /// <param name="mustChangePassword">Whether every page leads to the change-password page until it is changed.</param>
    public static ClaimsPrincipal PortalPrincipal(string name, string role, string stamp, bool mustChangePassword)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, name), new("auth", "cookie"), new(SessionClaims.Stamp, stamp) };
        claims.AddRange(Roles.Including(role).Select(r => new Claim(ClaimTypes.Role, r)));
        if (mustChangePassword)
        {
            claims.Add(new Claim(SessionClaims.MustChangePassword, "true"));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, CookieAuthenticationDefaults.AuthenticationScheme));
    }

    /// <summary>Returns whether a local user's session is still valid: the user exists, is enabled and has the same stamp.</summary>
    public static async Task<bool> IsSessionCurrentAsync(ClaimsPrincipal user, AccountStore accounts, CancellationToken ct)
    {
        if (user.FindFirst("auth")?.Value != "cookie" || user.Identity?.Name is not { } name)
        {
            // Single sign-on sessions follow the provider; tokens are checked on every request.
            return true;
        }

        // A cookie from before stamps existed carries none, like a row from before them ('').
        var stamp = await accounts.GetSessionStampAsync(name, ct);
        return stamp is not null && string.Equals(stamp, user.FindFirst(SessionClaims.Stamp)?.Value ?? "", StringComparison.Ordinal);
    }

    private static async Task ValidateStampAsync(CookieValidatePrincipalContext ctx)
    {
        if (ctx.Principal is { } user && !await IsSessionCurrentAsync(user, ctx.HttpContext.RequestServices.GetRequiredService<AccountStore>(), ctx.HttpContext.RequestAborted))
        {
            ctx.RejectPrincipal();
            await ctx.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        }
    }

    private static Task ApiAware(RedirectContext<CookieAuthenticationOptions> ctx, int status)
    {
        if (ctx.Request.Path.StartsWithSegments("/api") || ctx.Request.Path.StartsWithSegments("/openapi") || ctx.Request.Path.StartsWithSegments("/metrics") || ctx.Request.Path.StartsWithSegments("/hangfire"))
        {
            if (ctx.Request.Path.StartsWithSegments("/hangfire") && status == StatusCodes.Status401Unauthorized)
            {
                ctx.Response.Redirect(ctx.RedirectUri);
                return Task.CompletedTask;
            }

            ctx.Response.StatusCode = status;
            return Task.CompletedTask;
        }

        ctx.Response.Redirect(ctx.RedirectUri);
        return Task.CompletedTask;
    }

    /// <summary>Creates the server's tables and, on a first start with no user, an admin with a one-time password.</summary>
    private sealed class AccountBootstrap(EngineDatabase database, AccountStore accounts, IOptions<AuthOptions> options, ILogger<AccountBootstrap> logger) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            await database.MigrateAsync(AccountStore.Migrations, "server", cancellationToken);
            await database.MigrateAsync(SecurityAudit.Migrations, "security", cancellationToken);
            string? password = null;

            // Under the schema lock: of two servers starting together on an empty database, only one creates the
            // admin (otherwise the second overwrote it and the first printed a password that does not work).
            await database.UnderMigrationLockAsync(
                async _ =>
                {
                    if (options.Value.BootstrapAdmin && !await accounts.AnyUserAsync(cancellationToken))
                    {
                        password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(15)).Replace('+', 'x').Replace('/', 'y');
                        await accounts.SetUserAsync("admin", password, Roles.Admin, mustChangePassword: true, cancellationToken);
                    }
                },
                cancellationToken);
            if (password is not null)
            {
                // Printed once, on purpose, to the console of the person who started the server; it is not stored in clear anywhere.
                Console.WriteLine($"""

                    ================================================================
                     First start: created user 'admin' with one-time password:
                         {password}
                     Sign in to the portal: it asks for a new password at once.
                    ================================================================

                    """);
                logger.LogWarning("Created the first admin user 'admin'; its one-time password was printed to the console");
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>Lets only admins into the Hangfire dashboard.</summary>
public sealed class AdminDashboardFilter : IDashboardAuthorizationFilter
{
    /// <inheritdoc />
    public bool Authorize(DashboardContext context)
    {
        var user = context.GetHttpContext().User;
        return user.Identity?.IsAuthenticated == true && user.IsInRole(Roles.Admin);
    }
}
