using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Engine.TestHost;

// A bare engine process for the crash tests: configuration comes from Workflows__* environment variables.
var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddWorkflowEngine(builder.Configuration);
builder.Services.AddTestActions();
using var host = builder.Build();
await host.StartAsync();

// WF_TEST_START_RUNS=<workflow>:<count> starts runs on this server (as its API would), so their first steps can run here
// without a job; their ids go to WF_TEST_STARTED, one a line, written once all have started.
if (Environment.GetEnvironmentVariable("WF_TEST_START_RUNS") is { Length: > 0 } spec && Environment.GetEnvironmentVariable("WF_TEST_STARTED") is { Length: > 0 } startedFile)
{
    var (workflow, count) = (spec[..spec.IndexOf(':', StringComparison.Ordinal)], int.Parse(spec[(spec.IndexOf(':', StringComparison.Ordinal) + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    var commands = host.Services.GetRequiredService<IRunCommands>();
    var ids = new List<string>();
    for (var i = 0; i < count; i++)
    {
        ids.Add((await commands.StartAsync(new StartRunRequest(workflow, new Dictionary<string, JsonNode?>(), new TriggerInfo(TriggerKind.Api, "crash-test")))).Id.ToString());
    }

    await File.WriteAllLinesAsync(startedFile + ".tmp", ids);
    File.Move(startedFile + ".tmp", startedFile);
}

await host.WaitForShutdownAsync();
