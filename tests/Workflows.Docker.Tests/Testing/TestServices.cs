using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Workflows.Docker.Tests.Testing;

/// <summary>The host's view of the Docker actions: AddDockerRollout over an empty configuration.</summary>
public static class TestServices
{
    public static ServiceProvider Create(Action<DockerOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddDockerRollout(o =>
        {
            o.PollInterval = TimeSpan.FromMilliseconds(250);
            configure?.Invoke(o);
        });
        return services.BuildServiceProvider();
    }
}
