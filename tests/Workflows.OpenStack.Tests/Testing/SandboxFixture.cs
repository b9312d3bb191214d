using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Workflows.OpenStack.Configuration;
using Workflows.OpenStack.Sandbox;
using Workflows.Testing;

namespace Workflows.OpenStack.Tests.Testing;

/// <summary>One sandbox on a free loopback port for the whole collection, plus a DI container wired like the server.</summary>
public sealed class SandboxFixture : IAsyncLifetime
{
    public const string Password = "fixture-pw-7f3a9c";

    public OpenStackSandboxHost Sandbox { get; private set; } = null!;

    public ServiceProvider Services { get; private set; } = null!;

    public CapturingLoggerProvider Logs { get; } = new();

    public string TempDirectory { get; } = Directory.CreateTempSubdirectory("wf-openstack-").FullName;

    public async Task InitializeAsync()
    {
        Sandbox = await OpenStackSandboxHost.StartAsync(new SandboxOptions
        {
            AdminPassword = Password,
            ServerBuildDelay = TimeSpan.FromMilliseconds(300),
            ServerDeleteDelay = TimeSpan.FromMilliseconds(200),
            ClusterCreateDelay = TimeSpan.FromMilliseconds(500),
            ClusterUpdateDelay = TimeSpan.FromMilliseconds(200),
            FloatingIpQuota = 1000,
            Kubernetes = { PodReadyDelay = TimeSpan.FromMilliseconds(200) },
        });
        Services = CreateServices();
    }

    public ServiceProvider CreateServices(Action<OpenStackOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(Logs));
        services.AddOpenStack(o =>
        {
            o.UseCloudsYamlSearchPath = false;
            o.UseEnvironmentVariables = false;
            o.RegisteredCloudsFile = Path.Combine(TempDirectory, $"registered-{Guid.NewGuid():N}.json");
            o.PollInterval = TimeSpan.FromMilliseconds(50);
            o.MaxPollInterval = TimeSpan.FromMilliseconds(100);
            o.RetryBaseDelay = TimeSpan.FromMilliseconds(10);
            configure?.Invoke(o);
        });
        var provider = services.BuildServiceProvider();
        provider.GetRequiredService<IOpenStackClouds>().Add(CloudDefinition.FromRegistration(Sandbox.Cloud));
        return provider;
    }

    public TestStepContext Context(object inputs, string stepId = "step", Guid? runId = null, Abstractions.Actions.CompensationTarget? compensating = null, RunRecorder? recorder = null) =>
        new(Services, inputs, stepId, runId, compensating, recorder);

    public OpenStackConnection Connect() => Services.GetRequiredService<IOpenStackClientFactory>().Connect("sandbox");

    public async Task DisposeAsync()
    {
        await Services.DisposeAsync();
        await Sandbox.DisposeAsync();
        Directory.Delete(TempDirectory, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class SandboxCollection : ICollectionFixture<SandboxFixture>
{
    public const string Name = "sandbox";
}

/// <summary>Keeps every formatted log line (and exception text) for the redaction test.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> lines = new();

    public IReadOnlyList<string> Lines => [.. lines];

    public ILogger CreateLogger(string categoryName) => new Logger(lines, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(System.Collections.Concurrent.ConcurrentQueue<string> lines, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}
