using System.Text.Json.Serialization;
using Hangfire;
using Microsoft.AspNetCore.Diagnostics;
using Workflows.Server.Apis;
using Workflows.Server.Auth;
using Workflows.Server.Hosting;

if (await ServerCommands.TryRunAsync(args))
{
    return;
}

var builder = WebApplication.CreateBuilder(args);
builder.UseLoopbackUnlessConfigured();
builder.WebHost.UseStaticWebAssets(); // the portal's CSS/JS from the build output in any environment; a no-op once published
builder.Logging.AddWorkflowConsole(builder.Configuration);
builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
builder.Services.AddApiProblems();
builder.Services.AddOpenApi();
builder.Services.AddWorkflowEngine(builder.Configuration);
builder.Services.AddWorkflowAuth(builder.Configuration);
builder.Services.AddOpenStack().AddRegisteredCloudsInDatabase();
builder.Services.AddOptions<SandboxCloudOptions>().BindConfiguration("Sandbox");
builder.Services.AddHostedService<SandboxCloud>();
builder.Services.AddDockerRollout();
builder.Services.AddKubernetesActions();
builder.Services.AddDevStack();
builder.Services.AddPortal();
builder.Services.AddTriggers(builder.Configuration);
builder.Services.AddNotifications(builder.Configuration);
builder.Services.AddWorkflowTelemetry(builder.Configuration);
builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database").AddCheck<HangfireHealthCheck>("hangfire");
builder.Services.AddHostedService<StartupBanner>();

var app = builder.Build();
app.UseApiProblems();
// The portal's own not-found page for unknown paths outside the API; only a 404 is re-executed (a 401/403 of the
// dashboard, /metrics or /openapi keeps its status).
app.UseWhen(c => !c.Request.Path.StartsWithSegments("/api"), b => b
    .UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true)
    .Use(async (context, next) =>
    {
        await next(context);
        if (context.Response.StatusCode != StatusCodes.Status404NotFound && context.Features.Get<IStatusCodePagesFeature>() is { } pages)
        {
            pages.Enabled = false;
        }
    }));
// Routing after the status code pages, so a re-executed /not-found is routed to the portal's page; with the implicit
// routing WebApplication puts first, the re-executed request found no endpoint and ended as an empty 404.
app.UseRouting();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();
app.MapHealthChecks("/healthz").AllowAnonymous();
app.MapOpenApi().RequireAuthorization(Roles.CanRead);
app.MapAccountApi();
app.MapWorkflowsApi();
app.MapRunsApi();
app.MapApprovalsApi();
app.MapWebhooksApi().MapSchedulesApi();
app.MapMetrics();
app.MapStaticAssets().AllowAnonymous();
app.MapRazorComponents<Workflows.Web.App>().AddInteractiveServerRenderMode();
app.MapHangfireDashboard("/hangfire", new DashboardOptions { Authorization = [new AdminDashboardFilter()], DisplayStorageConnectionString = false, AppPath = "/" })
    .RequireAuthorization(Roles.CanAdminister);
app.Run();

/// <summary>The server's entry point; public so tests can host it.</summary>
public partial class Program;
