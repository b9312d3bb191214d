using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Mvc;

namespace Workflows.Server.Auth;

/// <summary>
/// While a user must change their password, every authorized request leads there: API calls answer 403 with a
/// problem that says what to do, pages redirect to the change-password page. Exempt: who am I, the password endpoints
/// and signing out. (Anonymous endpoints, such as static files and the sign-in page, never reach this handler.)
/// </summary>
public sealed class PasswordChangeGate : IAuthorizationMiddlewareResultHandler
{
    /// <summary>The portal's change-password page.</summary>
    public const string PagePath = "/account/password";

    private static readonly string[] Exempt = ["/api/me", PagePath, "/account/change-password", "/account/logout"];
    private readonly AuthorizationMiddlewareResultHandler inner = new();

    /// <summary>Returns whether the user must change their password first.</summary>
    public static bool MustChange(ClaimsPrincipal user) => user.HasClaim(SessionClaims.MustChangePassword, "true");

    /// <inheritdoc />
    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        var path = context.Request.Path;
        if (!authorizeResult.Succeeded || !MustChange(context.User) || Exempt.Any(e => path.Equals(e, StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments(e + "/password", StringComparison.OrdinalIgnoreCase)))
        {
            await inner.HandleAsync(next, context, policy, authorizeResult);
            return;
        }

        if (path.StartsWithSegments("/api") || path.StartsWithSegments("/_blazor") || !HttpMethods.IsGet(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = new ProblemDetails
                {
                    Status = 403,
                    Title = "Password change required",
                    Detail = $"You must choose a new password before anything else: POST {{\"current\": …, \"new\": …}} to /api/me/password, or sign in to the portal, which asks for it ({PagePath}).",
                    Type = "https://workflows.local/problems/password-change-required",
                },
            });
            return;
        }

        var returnUrl = path + context.Request.QueryString;
        context.Response.Redirect($"{PagePath}?returnUrl={Uri.EscapeDataString(returnUrl)}");
    }
}
