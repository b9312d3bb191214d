using Workflows.Abstractions.Actions;
using Workflows.Docker.Compose;

namespace Workflows.Docker.Tests.Compose;

public sealed class ComposeParserTests
{
    private static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Compose", "Fixtures", name));

    [Fact]
    public void Parse_ReadsServicesVolumesAndDeployKeys_WhenTheFileUsesSupportedKeys()
    {
        var file = ComposeParser.Parse(Fixture("web-db.yaml"));

        Assert.Empty(file.UnsupportedKeys);
        Assert.Empty(file.Errors);
        var web = file.Services["web"];
        Assert.Equal("wf-test/busybox:v1", web.Image);
        Assert.Equal(["httpd", "-f", "-p", "8080", "-h", "/www"], web.Command);
        Assert.Equal(2, web.Replicas);
        var port = Assert.Single(web.Ports);
        Assert.Equal((8080, 18080, "tcp", "ingress"), (port.Target, port.Published, port.Protocol, port.Mode));
        Assert.Equal("hello", web.Environment["GREETING"]);
        Assert.Equal("front", web.Labels["app.tier"]);
        Assert.Equal("platform", web.DeployLabels["team"]);
        Assert.Equal(TimeSpan.FromSeconds(1), web.StopGracePeriod);
        Assert.Equal(("stop-first", "rollback", "2s", 1), (web.UpdateConfig!.Order, web.UpdateConfig.FailureAction, web.UpdateConfig.Monitor, web.UpdateConfig.Parallelism));
        var mount = Assert.Single(file.Services["db"].Volumes);
        Assert.Equal(("volume", "dbdata", "/var/lib/db", false), (mount.Type, mount.Source, mount.Target, mount.ReadOnly));
        Assert.True(file.Volumes.ContainsKey("dbdata"));
    }

    [Fact]
    public void Parse_ReadsLongSyntaxAndListForms_WhenTheyAreUsed()
    {
        var file = ComposeParser.Parse("""
            services:
              api:
                image: app:1
                environment: [A=1, B=two]
                labels: [x=y]
                ports:
                  - { target: 80, published: 8080, protocol: udp, mode: host }
                volumes:
                  - { type: bind, source: /srv, target: /data, read_only: true }
                  - "/etc/app:/etc/app:ro"
                networks:
                  back: { aliases: [api-internal] }
                healthcheck: { test: "wget -q -O- localhost", interval: 5s, timeout: 2s, retries: 3, start_period: 1m30s }
                deploy:
                  mode: global
                  restart_policy: { condition: on-failure, delay: 5s, max_attempts: 3, window: 1m }
                  resources: { limits: { cpus: "0.5", memory: 128M }, reservations: { memory: 64m } }
                  placement: { constraints: [node.role == manager] }
                  rollback_config: { parallelism: 0, order: start-first }
                x-notes: anything
            networks:
              back: { driver: overlay, attachable: true }
            x-defaults: { ignored: true }
            """);

        Assert.Empty(file.UnsupportedKeys);
        Assert.Empty(file.Errors);
        var api = file.Services["api"];
        Assert.Equal("two", api.Environment["B"]);
        Assert.Equal("y", api.Labels["x"]);
        Assert.Equal(("host", "udp"), (api.Ports[0].Mode, api.Ports[0].Protocol));
        Assert.Equal(("bind", "/srv", true), (api.Volumes[0].Type, api.Volumes[0].Source, api.Volumes[0].ReadOnly));
        Assert.Equal(("bind", true), (api.Volumes[1].Type, api.Volumes[1].ReadOnly));
        Assert.Equal(["api-internal"], api.Networks["back"]);
        Assert.Equal(["CMD-SHELL", "wget -q -O- localhost"], api.Healthcheck!.Test);
        Assert.Equal(TimeSpan.FromSeconds(90), api.Healthcheck.StartPeriod);
        Assert.Equal("global", api.Mode);
        Assert.Equal(("on-failure", 3UL), (api.RestartPolicy!.Condition, api.RestartPolicy.MaxAttempts!.Value));
        Assert.Equal((0.5, "128M", "64m"), (api.Resources!.CpuLimit!.Value, api.Resources.MemoryLimit, api.Resources.MemoryReservation));
        Assert.Equal(["node.role == manager"], api.Constraints);
        Assert.Equal("start-first", api.RollbackConfig!.Order);
        Assert.True(file.Networks["back"].Attachable);
    }

    [Fact]
    public void Parse_ReportsEachUnsupportedKeyByName_WhenTheFileUsesThem()
    {
        var file = ComposeParser.Parse("""
            services:
              web:
                image: app:1
                build: .
                privileged: true
                deploy:
                  endpoint_mode: dnsrr
            configs:
              site: { file: ./site.conf }
            """);

        Assert.Equal(["services.web.build", "services.web.privileged", "services.web.deploy.endpoint_mode", "configs"], file.UnsupportedKeys);
    }

    [Fact]
    public void Parse_ReportsUndeclaredVolumesAndMissingImages_WhenTheFileIsIncomplete()
    {
        var file = ComposeParser.Parse("""
            services:
              web:
                volumes: ["data:/data"]
            """);

        Assert.Contains("services.web.image: required (build is not supported by stack deploy) (line 3, column 5)", file.Errors);
        Assert.Contains(file.Errors, e => e.Contains("volume 'data' is not declared", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_ReportsEveryWrongValue_WithItsPathLineAndColumn()
    {
        var file = ComposeParser.Parse("""
            services:
              web:
                image: app:1
                stop_grace_period: 5 parsecs
                deploy:
                  replicas: lots
                  mode: both
                ports: ["8080:80", "a:b"]
            """);

        Assert.Equal(
        [
            "services.web.stop_grace_period: '5 parsecs' is not a duration such as 10s, 1m30s or 500ms (line 4, column 24)",
            "services.web.deploy.replicas: must be a whole number (line 6, column 17)",
            "services.web.deploy.mode: 'both' is not one of replicated, global (line 7, column 13)",
            "services.web.ports[1]: 'a:b' is not supported; use \"published:target[/protocol]\" or the long syntax (line 8, column 24)",
        ], file.Errors);
    }

    [Fact]
    public void Parse_FailsNamingTheMappingAndPosition_WhenAKeyIsNotAPlainValue()
    {
        var ex = Assert.Throws<StepFailedException>(() => ComposeParser.Parse("services:\n  web:\n    ? [a, b]\n    : 1\n"));

        Assert.Equal("The compose file is not valid YAML at line 3, column 7: services.web: every key must be a plain value", ex.Message);
    }

    [Theory]
    [InlineData("services:\n  web: { image: busybox\n  db:\n    image: x\n")]   // YamlDotNet throws InvalidOperationException here
    [InlineData("services:\n  ? [web, db]\n  : { image: busybox }\n")]
    public void Parse_FailsAsAnInvalidComposeFile_NeverWithAnotherException_WhenTheYamlIsMalformedInOtherWays(string yaml)
    {
        var ex = Assert.Throws<StepFailedException>(() => ComposeParser.Parse(yaml));

        Assert.Equal("docker.compose.invalid", ex.ErrorCode);
        Assert.Matches("line [1-9]", ex.Message);
    }

    [Fact]
    public void Parse_FailsWithLineAndColumn_WhenTheTextIsNotYaml()
    {
        var ex = Assert.Throws<StepFailedException>(() => ComposeParser.Parse("services:\n  web: [unclosed\n"));

        Assert.Equal("docker.compose.invalid", ex.ErrorCode);
        Assert.Contains("line", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sh -c 'echo hello world'", new[] { "sh", "-c", "echo hello world" })]
    [InlineData("httpd -f  -p 80", new[] { "httpd", "-f", "-p", "80" })]
    [InlineData("echo \"a b\" ''", new[] { "echo", "a b", "" })]
    public void SplitCommand_SplitsLikeAShell_WhenGivenAString(string text, string[] expected) =>
        Assert.Equal(expected, ComposeParser.SplitCommand(text));
}
