using Workflows.OpenStack.Configuration;

namespace Workflows.OpenStack.Tests.Configuration;

public sealed class CloudsYamlLoaderTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("wf-clouds-").FullName;
    private readonly Dictionary<string, string> env = new(StringComparer.Ordinal);

    private CloudsYamlLoader Loader() => new(k => env.TryGetValue(k, out var v) ? v : null, Path.Combine(root, "cwd"), Path.Combine(root, "home"));

    private string Write(string relative, string text)
    {
        var path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Load_ReadsUserConfigFolder_AndMergesSecureYaml()
    {
        Write("home/.config/openstack/clouds.yaml", """
            clouds:
              devstack:
                auth:
                  auth_url: http://10.0.0.5/identity
                  username: demo
                  project_name: demo
                  user_domain_name: Default
                  project_domain_id: default
                region_name: RegionOne
                interface: internal
            """);
        Write("home/.config/openstack/secure.yaml", """
            clouds:
              devstack:
                auth:
                  password: s3cret-from-secure-yaml
            """);

        var cloud = Assert.Single(Loader().Load());

        Assert.Equal("devstack", cloud.Name);
        Assert.Equal("http://10.0.0.5/identity", cloud.AuthUrl);
        Assert.Equal("s3cret-from-secure-yaml", cloud.Password!.Reveal());
        Assert.Equal("default", cloud.ProjectDomainId);
        Assert.Equal("internal", cloud.Interface);
        Assert.Equal(CloudDefinition.PasswordAuth, cloud.AuthType);
        Assert.DoesNotContain("s3cret", cloud.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PrefersCurrentFolder_OverUserConfigFolder()
    {
        Write("cwd/clouds.yaml", "clouds:\n  here:\n    auth:\n      auth_url: http://cwd\n");
        Write("home/.config/openstack/clouds.yaml", "clouds:\n  there:\n    auth:\n      auth_url: http://home\n");

        Assert.Equal("here", Assert.Single(Loader().Load()).Name);
    }

    [Fact]
    public void Load_UsesOsClientConfigFile_WhenSet()
    {
        env["OS_CLIENT_CONFIG_FILE"] = Write("elsewhere/my-clouds.yml", "clouds:\n  custom:\n    auth:\n      auth_url: http://custom\n");
        Write("cwd/clouds.yaml", "clouds:\n  here:\n    auth:\n      auth_url: http://cwd\n");

        Assert.Equal("custom", Assert.Single(Loader().Load()).Name);
    }

    [Fact]
    public void Load_InfersApplicationCredentialAuth_WhenSecretIsGiven()
    {
        Write("cwd/clouds.yaml", """
            clouds:
              ci:
                auth_type: v3applicationcredential
                auth:
                  auth_url: https://keystone.example.com:5000/v3
                  application_credential_id: 21dced0fd20347869b93710d2b98aae0
                  application_credential_secret: app-cred-secret
                regions:
                  - RegionTwo
            """);

        var cloud = Assert.Single(Loader().Load());

        Assert.Equal(CloudDefinition.ApplicationCredentialAuth, cloud.AuthType);
        Assert.Equal("21dced0fd20347869b93710d2b98aae0", cloud.ApplicationCredentialId);
        Assert.Equal("app-cred-secret", cloud.ApplicationCredentialSecret!.Reveal());
        Assert.Equal("RegionTwo", cloud.RegionName);
    }

    [Fact]
    public void Load_AddsEnvvarsCloud_WhenOsAuthUrlIsSet()
    {
        env["OS_AUTH_URL"] = "http://env/identity";
        env["OS_USERNAME"] = "admin";
        env["OS_PASSWORD"] = "env-pw";
        env["OS_PROJECT_NAME"] = "admin";
        env["OS_USER_DOMAIN_NAME"] = "Default";
        env["OS_REGION_NAME"] = "RegionOne";
        env["OS_CLOUD"] = "envvars";

        var loader = Loader();
        var cloud = Assert.Single(loader.Load());

        Assert.Equal("envvars", cloud.Name);
        Assert.Equal("environment", cloud.Source);
        Assert.Equal("env-pw", cloud.Password!.Reveal());
        Assert.Equal("envvars", loader.DefaultCloudName);
    }

    [Fact]
    public void Load_ThrowsWithFileAndLine_WhenYamlIsBroken()
    {
        Write("cwd/clouds.yaml", "clouds:\n  bad: [unclosed\n");

        var ex = Assert.Throws<OpenStackConfigurationException>(() => Loader().Load());
        Assert.Contains("clouds.yaml:", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("clouds:\n  bad: { auth: x\n  other: 1\n", "clouds.yaml:")]   // YamlDotNet throws InvalidOperationException here
    [InlineData("clouds:\n  ? [a, b]\n  : 1\n", "every key must be a plain value")]
    public void Load_ThrowsAConfigurationError_NeverAnotherException_WhenTheYamlIsMalformedInOtherWays(string yaml, string expected)
    {
        Write("cwd/clouds.yaml", yaml);

        var ex = Assert.Throws<OpenStackConfigurationException>(() => Loader().Load());
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.Contains("invalid YAML", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NamesTheFieldItsFileLineAndColumn_WhenAFieldHasTheWrongShape()
    {
        var file = Write("cwd/clouds.yaml", "clouds:\n  lab:\n    auth:\n      auth_url: http://127.0.0.1/identity\n      username: [demo]\n");

        var ex = Assert.Throws<OpenStackConfigurationException>(() => Loader().Load());

        Assert.Equal($"{file}:5:17: clouds.lab.auth.username: must be a single value, not a list or mapping", ex.Message);
    }

    [Fact]
    public void Load_PlacesAProblemInSecureYaml_WhenTheWrongValueCameFromThere_AndNeverQuotesIt()
    {
        Write("cwd/clouds.yaml", "clouds:\n  lab:\n    auth:\n      auth_url: http://127.0.0.1/identity\n      username: demo\n");
        var secure = Write("cwd/secure.yaml", "clouds:\n  lab:\n    auth:\n      password: { value: hunter2 }\n");

        var ex = Assert.Throws<OpenStackConfigurationException>(() => Loader().Load());

        Assert.Equal($"{secure}:4:17: clouds.lab.auth.password: must be a single value, not a list or mapping", ex.Message);
        Assert.DoesNotContain("hunter2", ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ReportsACloudThatIsNotAMapping_InsteadOfSkippingIt()
    {
        var file = Write("cwd/clouds.yaml", "clouds:\n  lab: http://127.0.0.1/identity\n");

        var ex = Assert.Throws<OpenStackConfigurationException>(() => Loader().Load());

        Assert.Equal($"{file}:2:8: clouds.lab: must be a mapping", ex.Message);
    }

    [Fact]
    public void Load_ReadsTheFirstRegion_FromARegionsListOfNamesOrMappings()
    {
        Write("cwd/clouds.yaml", "clouds:\n  a:\n    auth: { auth_url: http://127.0.0.1/a }\n    regions: [RegionTwo, RegionOne]\n  b:\n    auth: { auth_url: http://127.0.0.1/b }\n    regions:\n      - name: RegionThree\n");

        var clouds = Loader().Load(useEnvironment: false);

        Assert.Equal([("a", "RegionTwo"), ("b", "RegionThree")], clouds.Select(c => (c.Name, c.RegionName)));
    }

    [Fact]
    public void Load_ReadsTheShellsFolder_WhenTheServerRunsInAnotherFolder()
    {
        // `dotnet run` from a folder with clouds.yaml, while the process runs elsewhere (a launch profile, an IDE).
        var typed = Write("typed-here/clouds.yaml", "clouds:\n  peer:\n    auth: { auth_url: 'http://10.0.0.9/identity', username: u, project_name: p }\n");
        var secure = Write("typed-here/secure.yaml", "clouds:\n  peer:\n    auth: { password: from-secure }\n");
        env["PWD"] = Path.Combine(root, "typed-here");
        var loader = Loader();

        var cloud = Assert.Single(loader.Load());

        Assert.Equal(("peer", "from-secure"), (cloud.Name, cloud.Password!.Reveal()));
        Assert.Equal([typed, secure], loader.FilesRead);
    }

    [Fact]
    public void Load_PrefersTheCurrentFolder_OverTheShellsFolder()
    {
        Write("cwd/clouds.yaml", "clouds:\n  here:\n    auth: { auth_url: 'http://10.0.0.1/identity' }\n");
        Write("typed-here/clouds.yaml", "clouds:\n  there:\n    auth: { auth_url: 'http://10.0.0.2/identity' }\n");
        env["PWD"] = Path.Combine(root, "typed-here");

        Assert.Equal("here", Assert.Single(Loader().Load()).Name);
    }

    [Fact]
    public void FilesRead_IsEmpty_WhenNoFileIsOnTheSearchPath()
    {
        var loader = Loader();

        Assert.Empty(loader.Load());
        Assert.Empty(loader.FilesRead);
    }

    public void Dispose() => Directory.Delete(root, recursive: true);
}
