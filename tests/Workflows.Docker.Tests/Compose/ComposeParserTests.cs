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
    public void Parse_ReportsAnUnknownKeyAtTheKey_WithTheClosestSupportedOne_InEveryMapping()
    {
        var file = ComposeParser.Parse("""
            servces: {}
            services:
              web:
                image: app:1
                comand: [sh]
                deploy:
                  replcas: 2
                  update_config: { paralelism: 1 }
                  rollback_config: { oder: start-first }
                  restart_policy: { max_attempt: 3 }
                  resources: { limits: { cpu: "0.5" }, reservation: {} }
                  placement: { constraint: [x] }
                healthcheck: { intervall: 5s }
                ports: [{ traget: 80 }]
                volumes: [{ type: volume, source: data, taget: /data }]
                networks:
                  back: { alias: [api] }
            networks:
              back: { drivr: overlay }
            volumes:
              data: { lables: {} }
            """);

        Assert.Empty(file.UnsupportedKeys);
        Assert.Equal(
        [
            "servces: unknown field 'servces' (did you mean 'services'?); allowed: version, name, services, networks, volumes (line 1, column 1)",
            "services.web.comand: unknown field 'comand' (did you mean 'command'?); allowed: image, command, entrypoint, environment, labels, ports, volumes, networks, working_dir, user, hostname, stop_grace_period, healthcheck, deploy (line 5, column 5)",
            "services.web.deploy.replcas: unknown field 'replcas' (did you mean 'replicas'?); allowed: replicas, mode, labels, update_config, rollback_config, restart_policy, resources, placement (line 7, column 7)",
            "services.web.deploy.update_config.paralelism: unknown field 'paralelism' (did you mean 'parallelism'?); allowed: parallelism, delay, order, failure_action, monitor, max_failure_ratio (line 8, column 24)",
            "services.web.deploy.rollback_config.oder: unknown field 'oder' (did you mean 'order'?); allowed: parallelism, delay, order, failure_action, monitor, max_failure_ratio (line 9, column 26)",
            "services.web.deploy.restart_policy.max_attempt: unknown field 'max_attempt' (did you mean 'max_attempts'?); allowed: condition, delay, max_attempts, window (line 10, column 25)",
            "services.web.deploy.resources.reservation: unknown field 'reservation' (did you mean 'reservations'?); allowed: limits, reservations (line 11, column 44)",
            "services.web.deploy.resources.limits.cpu: unknown field 'cpu' (did you mean 'cpus'?); allowed: cpus, memory (line 11, column 30)",
            "services.web.deploy.placement.constraint: unknown field 'constraint' (did you mean 'constraints'?); allowed: constraints (line 12, column 20)",
            "services.web.healthcheck.intervall: unknown field 'intervall' (did you mean 'interval'?); allowed: test, interval, timeout, retries, start_period, disable (line 13, column 20)",
            "services.web.ports[0].traget: unknown field 'traget' (did you mean 'target'?); allowed: target, published, protocol, mode (line 14, column 15)",
            "services.web.ports[0]: target is required (line 14, column 13)",
            "services.web.volumes[0].taget: unknown field 'taget' (did you mean 'target'?); allowed: type, source, target, read_only (line 15, column 45)",
            "services.web.networks.back.alias: unknown field 'alias' (did you mean 'aliases'?); allowed: aliases (line 17, column 15)",
            "networks.back.drivr: unknown field 'drivr' (did you mean 'driver'?); allowed: name, driver, external, attachable, labels, driver_opts (line 19, column 11)",
            "volumes.data.lables: unknown field 'lables' (did you mean 'labels'?); allowed: name, driver, external, labels, driver_opts (line 21, column 11)",
        ], file.Errors);
    }

    [Fact]
    public void Parse_RecordsKnownComposeKeysAsUnsupported_NotAsUnknown_AndAllowsExtensionKeysInNestedMappings()
    {
        var file = ComposeParser.Parse("""
            services:
              web:
                image: app:1
                ports: [{ target: 80, host_ip: 127.0.0.1 }]
                volumes: [{ type: volume, source: data, target: /data, volume: { nocopy: true } }]
                healthcheck: { test: [CMD, "true"], start_interval: 1s }
                networks:
                  back: { ipv4_address: 10.0.0.5, x-note: fixed }
                deploy:
                  x-team: platform
                  resources: { limits: { pids: 100 }, reservations: { devices: [] } }
                  placement: { preferences: [{ spread: node.id }], x-why: spread }
                  update_config: { x-note: slow }
            networks:
              back: { internal: true, x-owner: net }
            volumes:
              data: { x-backup: daily }
            secrets:
              token: { file: ./token }
            """);

        Assert.Empty(file.Errors);
        Assert.Equal(
        [
            "services.web.ports[0].host_ip",
            "services.web.volumes[0].volume",
            "services.web.healthcheck.start_interval",
            "services.web.networks.back.ipv4_address",
            "services.web.deploy.resources.limits.pids",
            "services.web.deploy.resources.reservations.devices",
            "services.web.deploy.placement.preferences",
            "networks.back.internal",
            "secrets",
        ], file.UnsupportedKeys);
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
