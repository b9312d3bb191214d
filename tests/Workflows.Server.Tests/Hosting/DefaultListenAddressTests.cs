using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Workflows.Server.Hosting;

namespace Workflows.Server.Tests.Hosting;

public sealed class DefaultListenAddressTests
{
    [Theory]
    [InlineData("urls", "http://0.0.0.0:8080")]
    [InlineData("Urls", "http://127.0.0.1:9000")]
    [InlineData("http_ports", "8080")]
    [InlineData("https_ports", "8443")]
    [InlineData("Kestrel:Endpoints:Http:Url", "http://0.0.0.0:8081")]
    public void IsConfigured_IsTrue_WhenAnyStandardSettingNamesAnAddress(string key, string value) =>
        Assert.True(DefaultListenAddress.IsConfigured(Config(key, value)));

    [Fact]
    public void IsConfigured_IsFalse_WithNothingConfigured() =>
        Assert.False(DefaultListenAddress.IsConfigured(Config("Workflows:Workers", "20")));

    [Fact]
    public void UseLoopbackUnlessConfigured_KeepsAspNetCoreUrls_AndDefaultsToLoopbackOtherwise()
    {
        // ASPNETCORE_URLS arrives as the "urls" key of the host configuration (the ASPNETCORE_ prefix removed).
        var configured = WebApplication.CreateBuilder(new WebApplicationOptions { Args = ["--urls", "http://0.0.0.0:8080"] });
        Assert.False(configured.UseLoopbackUnlessConfigured());
        Assert.Equal("http://0.0.0.0:8080", configured.WebHost.GetSetting("urls"));

        var bare = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
        if (DefaultListenAddress.IsConfigured(bare.Configuration))
        {
            // The test process itself has ASPNETCORE_URLS or HTTP_PORTS set: the first half already proved the rule.
            return;
        }

        Assert.True(bare.UseLoopbackUnlessConfigured());
        Assert.Equal(DefaultListenAddress.Url, bare.WebHost.GetSetting("urls"));
    }

    private static IConfiguration Config(string key, string value) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build();
}
