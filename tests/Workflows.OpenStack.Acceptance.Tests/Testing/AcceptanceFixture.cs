using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Actions;
using Workflows.OpenStack.Configuration;
using Workflows.Testing;

namespace Workflows.OpenStack.Acceptance.Tests.Testing;

/// <summary>
/// The configured real cloud, wired like the server wires it (AddOpenStack over clouds.yaml), plus an
/// independent raw client for the member and the admin cloud. One per test class, so classes run in parallel.
/// </summary>
public sealed class AcceptanceFixture : IAsyncLifetime
{
    private RawOpenStack? raw;
    private RawOpenStack? admin;

    public AcceptanceSettings Settings { get; } = AcceptanceSettings.Current;

    public ServiceProvider Services { get; private set; } = null!;

    public string TempDirectory { get; } = Directory.CreateTempSubdirectory("wf-acceptance-").FullName;

    /// <summary>Gets the member cloud's name.</summary>
    public string CloudName => Settings.Cloud!;

    public CloudDefinition Cloud => Services.GetRequiredService<IOpenStackClouds>().Get(CloudName);

    public CloudDefinition AdminCloud => Services.GetRequiredService<IOpenStackClouds>().Get(Settings.AdminCloud);

    /// <summary>Gets the raw client of the member cloud.</summary>
    public RawOpenStack Raw => raw ?? throw new InvalidOperationException("The fixture has not connected.");

    /// <summary>Gets the raw client of the admin cloud.</summary>
    public RawOpenStack Admin => admin ?? throw new InvalidOperationException("The fixture has not connected.");

    public async Task InitializeAsync()
    {
        ActionDriver.PollCap = TimeSpan.FromSeconds(1);
        Services = CreateServices();
        if (Settings.IsConfigured)
        {
            raw = await RawOpenStack.ConnectAsync(Cloud);
            admin = await RawOpenStack.ConnectAsync(AdminCloud);
        }
    }

    /// <summary>A container like the server's: clouds.yaml on the openstacksdk search path, polls tuned for a test.</summary>
    public ServiceProvider CreateServices(Action<OpenStackOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddOpenStack(o =>
        {
            o.UseEnvironmentVariables = false;
            o.RegisteredCloudsFile = Path.Combine(TempDirectory, $"registered-{Guid.NewGuid():N}.json");
            o.PollInterval = TimeSpan.FromMilliseconds(500);
            o.MaxPollInterval = TimeSpan.FromSeconds(2);
            o.RetryBaseDelay = TimeSpan.FromMilliseconds(200);
            configure?.Invoke(o);
        });
        return services.BuildServiceProvider();
    }

    public OpenStackConnection Connect(string? cloud = null) => Services.GetRequiredService<IOpenStackClientFactory>().Connect(cloud ?? CloudName);

    public TestStepContext Context(object inputs, string stepId = "step", Guid? runId = null, CompensationTarget? compensating = null, RunRecorder? recorder = null) =>
        new(Services, inputs, stepId, runId, compensating, recorder);

    /// <summary>A unique, recognisable name for a resource of one test.</summary>
    public static string NewName(string prefix) => $"wf-acc-{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 16)];

    public async Task DisposeAsync()
    {
        raw?.Dispose();
        admin?.Dispose();
        await Services.DisposeAsync();
        Directory.Delete(TempDirectory, recursive: true);
    }
}
