using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Workflows.Engine.TestHost;

// A bare engine process for the crash tests: configuration comes from Workflows__* environment variables.
var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddWorkflowEngine(builder.Configuration);
builder.Services.AddTestActions();
using var host = builder.Build();
await host.RunAsync();
