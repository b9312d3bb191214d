using System.Globalization;
using System.Text;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Yaml;
using Workflows.Docker.Swarm;
using YamlDotNet.RepresentationModel;

namespace Workflows.Docker.Compose;

/// <summary>
/// Reads a compose file for <c>docker stack deploy</c>. A key the compose specification has but this parser does not
/// support (<see cref="SupportedKeys"/>) is recorded by its path (e.g. <c>services.web.build</c>) in
/// <see cref="ComposeFile.UnsupportedKeys"/>; a key compose does not have at all is an error at the key with the closest
/// supported one (<c>unknown field 'replcas' (did you mean 'replicas'?)</c>); <c>x-</c> extension keys are allowed
/// anywhere, as the compose specification says.
/// </summary>
public static class ComposeParser
{
    /// <summary>Gets the supported keys, as path patterns (<c>*</c> stands for a user-chosen name).</summary>
    public static IReadOnlyList<string> SupportedKeys { get; } =
    [
        "version", "name", "services", "networks", "volumes",
        "services.*.image", "services.*.command", "services.*.entrypoint", "services.*.environment", "services.*.labels",
        "services.*.ports (short \"8080:80/tcp\" and long: target, published, protocol, mode)",
        "services.*.volumes (short \"name:/path:ro\" and long: type, source, target, read_only)",
        "services.*.networks (list, or map with aliases)", "services.*.working_dir", "services.*.user", "services.*.hostname",
        "services.*.stop_grace_period", "services.*.healthcheck (test, interval, timeout, retries, start_period, disable)",
        "services.*.deploy.replicas", "services.*.deploy.mode", "services.*.deploy.labels",
        "services.*.deploy.update_config (parallelism, delay, order, failure_action, monitor, max_failure_ratio)",
        "services.*.deploy.rollback_config (same keys)", "services.*.deploy.restart_policy (condition, delay, max_attempts, window)",
        "services.*.deploy.resources (limits/reservations: cpus, memory)", "services.*.deploy.placement.constraints",
        "networks.* (name, driver, external, attachable, labels, driver_opts)", "volumes.* (name, driver, external, labels, driver_opts)",
    ];

    /// <summary>Parses compose YAML text, interpolating its values with <paramref name="variables"/> as docker compose does.</summary>
    /// <param name="yaml">The compose file's text.</param>
    /// <param name="variables">The variables (workflow values, then a <c>.env</c>); null for none, so <c>${VAR:-default}</c> takes its default.</param>
    /// <exception cref="StepFailedException">
    /// Code <c>docker.compose.invalid</c> when the text is not YAML or not a mapping, or when an interpolation is malformed or a
    /// required variable (<c>${VAR:?error}</c>) is missing: the message names the variable, the key path and the line.
    /// </exception>
    public static ComposeFile Parse(string yaml, ComposeVariables? variables = null)
    {
        YamlNode? document;
        try
        {
            document = YamlReader.Parse(yaml);
        }
        catch (YamlReadException ex)
        {
            var problem = ex.Problem;
            var what = problem.Path.Length == 0 ? problem.Message : $"{problem.Path}: {problem.Message}";
            throw new StepFailedException("docker.compose.invalid", $"The compose file is not valid YAML at line {problem.Line}, column {problem.Column}: {what}", retryable: false);
        }

        if (document is not YamlMappingNode root)
        {
            throw new StepFailedException("docker.compose.invalid", "The compose file must be a mapping with a 'services' key.", retryable: false);
        }

        variables ??= ComposeVariables.None;
        variables.Interpolate(root);
        var file = new ComposeFile();
        file.Warnings.AddRange(variables.Warnings);
        var p = new Parser(file);
        var services = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (key, path, value) in p.Entries(root, string.Empty, Parser.TopKeys))
        {
            switch (key)
            {
                case "services":
                    foreach (var (name, at, node) in p.Entries(value, path))
                    {
                        file.Services[name] = p.Service(node, at);
                        services[name] = node;
                    }

                    break;
                case "networks":
                    foreach (var (name, at, node) in p.Entries(value, path))
                    {
                        file.Networks[name] = p.Network(node, at);
                    }

                    break;
                case "volumes":
                    foreach (var (name, at, node) in p.Entries(value, path))
                    {
                        file.Volumes[name] = p.Volume(node, at);
                    }

                    break;
            }
        }

        if (file.Services.Count == 0)
        {
            p.Error(YamlReader.Find(root, "services") ?? root, "services", "the file defines no service");
        }

        foreach (var (name, service) in file.Services)
        {
            var node = services[name];
            if (string.IsNullOrEmpty(service.Image))
            {
                p.Error(node, $"services.{name}.image", "required (build is not supported by stack deploy)");
            }

            foreach (var network in service.Networks.Keys.Where(n => n != "default" && !file.Networks.ContainsKey(n)))
            {
                p.Error(YamlReader.Find(node, "networks") ?? node, $"services.{name}.networks", $"network '{network}' is not declared under the top-level networks");
            }

            foreach (var mount in service.Volumes.Where(m => m.Type == "volume" && m.Source is not null && !file.Volumes.ContainsKey(m.Source)))
            {
                p.Error(YamlReader.Find(node, "volumes") ?? node, $"services.{name}.volumes", $"volume '{mount.Source}' is not declared under the top-level volumes");
            }
        }

        file.Errors.AddRange(p.Problems.Select(problem => problem.ToString()));
        return file;
    }

    /// <summary>Splits a command string the way compose does (whitespace, single and double quotes).</summary>
    public static List<string> SplitCommand(string text)
    {
        var parts = new List<string>();
        var current = new StringBuilder();
        var inWord = false;
        char? quote = null;
        foreach (var c in text)
        {
            if (quote is { } q)
            {
                if (c == q)
                {
                    quote = null;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    parts.Add(current.ToString());
                    current.Clear();
                    inWord = false;
                }
            }
            else
            {
                current.Append(c);
                inWord = true;
            }
        }

        if (inWord)
        {
            parts.Add(current.ToString());
        }

        return parts;
    }

    /// <summary>The keys of one compose mapping: those this parser reads, and those the compose specification has that it does not support.</summary>
    private sealed record Vocabulary(string[] Supported, string[] Unsupported);

    /// <summary>
    /// The compose vocabulary over the shared <see cref="YamlReader"/>: each mapping's keys are checked against its
    /// <see cref="Vocabulary"/>; known but unsupported keys are recorded, unknown ones reported, problems collected.
    /// </summary>
    private sealed class Parser(ComposeFile file)
    {
        // The keys of each mapping the compose specification (compose-spec.json) defines: those read here, then those not supported.
        public static readonly Vocabulary TopKeys = new(["version", "name", "services", "networks", "volumes"], ["include", "models", "secrets", "configs"]);

        private static readonly Vocabulary ServiceKeys = new(
            ["image", "command", "entrypoint", "environment", "labels", "ports", "volumes", "networks", "working_dir", "user", "hostname", "stop_grace_period", "healthcheck", "deploy"],
            [
                "annotations", "attach", "blkio_config", "build", "cap_add", "cap_drop", "cgroup", "cgroup_parent", "configs", "container_name",
                "cpu_count", "cpu_percent", "cpu_period", "cpu_quota", "cpu_rt_period", "cpu_rt_runtime", "cpu_shares", "cpus", "cpuset",
                "credential_spec", "depends_on", "develop", "device_cgroup_rules", "devices", "dns", "dns_opt", "dns_search", "domainname",
                "env_file", "expose", "extends", "external_links", "extra_hosts", "gpus", "group_add", "init", "ipc", "isolation", "label_file",
                "links", "logging", "mac_address", "mem_limit", "mem_reservation", "mem_swappiness", "memswap_limit", "models", "network_mode",
                "oom_kill_disable", "oom_score_adj", "pid", "pids_limit", "platform", "post_start", "pre_stop", "privileged", "profiles", "provider",
                "pull_policy", "pull_refresh_after", "read_only", "restart", "runtime", "scale", "secrets", "security_opt", "shm_size", "stdin_open",
                "stop_signal", "storage_opt", "sysctls", "tmpfs", "tty", "ulimits", "use_api_socket", "userns_mode", "uts", "volumes_from",
            ]);

        private static readonly Vocabulary DeployKeys = new(["replicas", "mode", "labels", "update_config", "rollback_config", "restart_policy", "resources", "placement"], ["endpoint_mode"]);
        private static readonly Vocabulary PlacementKeys = new(["constraints"], ["preferences", "max_replicas_per_node"]);
        private static readonly Vocabulary UpdateKeys = new(["parallelism", "delay", "order", "failure_action", "monitor", "max_failure_ratio"], []);
        private static readonly Vocabulary RestartKeys = new(["condition", "delay", "max_attempts", "window"], []);
        private static readonly Vocabulary ResourcesKeys = new(["limits", "reservations"], []);
        private static readonly Vocabulary LimitsKeys = new(["cpus", "memory"], ["pids"]);
        private static readonly Vocabulary ReservationsKeys = new(["cpus", "memory"], ["generic_resources", "devices"]);
        private static readonly Vocabulary HealthcheckKeys = new(["test", "interval", "timeout", "retries", "start_period", "disable"], ["start_interval"]);
        private static readonly Vocabulary PortKeys = new(["target", "published", "protocol", "mode"], ["name", "host_ip", "app_protocol"]);
        private static readonly Vocabulary MountKeys = new(["type", "source", "target", "read_only"], ["consistency", "bind", "volume", "tmpfs", "image"]);
        private static readonly Vocabulary ServiceNetworkKeys = new(
            ["aliases"], ["interface_name", "ipv4_address", "ipv6_address", "link_local_ips", "mac_address", "driver_opts", "priority", "gw_priority"]);

        private static readonly Vocabulary NetworkKeys = new(["name", "driver", "external", "attachable", "labels", "driver_opts"], ["ipam", "internal", "enable_ipv4", "enable_ipv6"]);
        private static readonly Vocabulary VolumeKeys = new(["name", "driver", "external", "labels", "driver_opts"], []);

        private readonly YamlReader reader = new();

        public IReadOnlyList<YamlProblem> Problems => reader.Problems;

        /// <summary>The entries of a mapping of user-chosen names (services, networks, volumes), without the <c>x-</c> extension keys.</summary>
        public IEnumerable<YamlEntry> Entries(YamlNode node, string path) =>
            reader.Entries(node, path).Where(e => !IsExtension(e.Key));

        /// <summary>
        /// The supported entries of a mapping with fixed keys: a known but unsupported key is recorded by its path, an unknown
        /// one reported at the key with the closest supported one, an <c>x-</c> extension key skipped; none of them is yielded.
        /// </summary>
        public IEnumerable<YamlEntry> Entries(YamlNode node, string path, Vocabulary keys)
        {
            reader.CheckKeys(node, path, keys.Supported, ignore: key => IsExtension(key) || keys.Unsupported.Contains(key, StringComparer.Ordinal));
            foreach (var entry in Entries(node, path))
            {
                if (keys.Supported.Contains(entry.Key, StringComparer.Ordinal))
                {
                    yield return entry;
                }
                else if (keys.Unsupported.Contains(entry.Key, StringComparer.Ordinal))
                {
                    file.UnsupportedKeys.Add(entry.Path); // in document order, as the caller reads on
                }
            }
        }

        public void Error(YamlNode node, string path, string message) => reader.Report(node, path, message);

        public ComposeService Service(YamlNode node, string path)
        {
            var s = new ComposeService();
            foreach (var (key, at, value) in Entries(node, path, ServiceKeys))
            {
                switch (key)
                {
                    case "image": s.Image = reader.String(value, at); break;
                    case "command": s.Command = Command(value, at); break;
                    case "entrypoint": s.Entrypoint = Command(value, at); break;
                    case "environment": Map(value, at, s.Environment); break;
                    case "labels": Map(value, at, s.Labels); break;
                    case "ports": Ports(value, at, s.Ports); break;
                    case "volumes": Mounts(value, at, s.Volumes); break;
                    case "networks": ServiceNetworks(value, at, s.Networks); break;
                    case "working_dir": s.WorkingDir = reader.String(value, at); break;
                    case "user": s.User = reader.String(value, at); break;
                    case "hostname": s.Hostname = reader.String(value, at); break;
                    case "stop_grace_period": s.StopGracePeriod = Duration(value, at); break;
                    case "healthcheck": s.Healthcheck = Healthcheck(value, at); break;
                    case "deploy": Deploy(value, at, s); break;
                }
            }

            return s;
        }

        public ComposeNetwork Network(YamlNode node, string path)
        {
            string? name = null;
            var driver = "overlay";
            bool external = false, attachable = false;
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            var opts = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, at, value) in Entries(node, path, NetworkKeys))
            {
                switch (key)
                {
                    case "name": name = reader.String(value, at); break;
                    case "driver": driver = reader.String(value, at) ?? driver; break;
                    case "external": external = reader.Bool(value, at) ?? false; break;
                    case "attachable": attachable = reader.Bool(value, at) ?? false; break;
                    case "labels": Map(value, at, labels); break;
                    case "driver_opts": Map(value, at, opts); break;
                }
            }

            return new ComposeNetwork(name, driver, external, attachable, labels, opts);
        }

        public ComposeVolume Volume(YamlNode node, string path)
        {
            string? name = null, driver = null;
            var external = false;
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            var opts = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, at, value) in Entries(node, path, VolumeKeys))
            {
                switch (key)
                {
                    case "name": name = reader.String(value, at); break;
                    case "driver": driver = reader.String(value, at); break;
                    case "external": external = reader.Bool(value, at) ?? false; break;
                    case "labels": Map(value, at, labels); break;
                    case "driver_opts": Map(value, at, opts); break;
                }
            }

            return new ComposeVolume(name, driver, external, labels, opts);
        }

        private void Deploy(YamlNode node, string path, ComposeService s)
        {
            foreach (var (key, at, value) in Entries(node, path, DeployKeys))
            {
                switch (key)
                {
                    case "replicas": s.Replicas = reader.Int(value, at) ?? 0; break;
                    case "mode": s.Mode = reader.OneOf(value, at, "replicated", "global") ?? s.Mode; break;
                    case "labels": Map(value, at, s.DeployLabels); break;
                    case "update_config": s.UpdateConfig = UpdatePolicy(value, at); break;
                    case "rollback_config": s.RollbackConfig = UpdatePolicy(value, at); break;
                    case "restart_policy": s.RestartPolicy = RestartPolicy(value, at); break;
                    case "resources": s.Resources = Resources(value, at); break;
                    case "placement":
                        foreach (var (_, pat, pv) in Entries(value, at, PlacementKeys))
                        {
                            s.Constraints.AddRange(reader.Strings(pv, pat)); // constraints, the only supported key
                        }

                        break;
                }
            }
        }

        private ServiceUpdatePolicy UpdatePolicy(YamlNode node, string path)
        {
            var policy = new ServiceUpdatePolicy();
            foreach (var (key, at, value) in Entries(node, path, UpdateKeys))
            {
                policy = key switch
                {
                    "parallelism" => policy with { Parallelism = reader.Int(value, at) ?? 0 },
                    "delay" => policy with { Delay = reader.String(value, at) ?? "0s" },
                    "order" => policy with { Order = reader.String(value, at) ?? "stop-first" },
                    "failure_action" => policy with { FailureAction = reader.String(value, at) },
                    "monitor" => policy with { Monitor = reader.String(value, at) ?? "5s" },
                    "max_failure_ratio" => policy with { MaxFailureRatio = reader.Double(value, at) ?? 0 },
                    _ => policy,
                };
            }

            return policy;
        }

        private ComposeRestartPolicy RestartPolicy(YamlNode node, string path)
        {
            string? condition = null;
            TimeSpan? delay = null, window = null;
            ulong? attempts = null;
            foreach (var (key, at, value) in Entries(node, path, RestartKeys))
            {
                switch (key)
                {
                    case "condition": condition = reader.String(value, at); break;
                    case "delay": delay = Duration(value, at); break;
                    case "max_attempts": attempts = (ulong)(reader.Int(value, at) ?? 0); break;
                    case "window": window = Duration(value, at); break;
                }
            }

            return new ComposeRestartPolicy(condition, delay, attempts, window);
        }

        private ServiceResources Resources(YamlNode node, string path)
        {
            var r = new ServiceResources();
            foreach (var (key, at, value) in Entries(node, path, ResourcesKeys))
            {
                foreach (var (rk, rat, rv) in Entries(value, at, key == "limits" ? LimitsKeys : ReservationsKeys))
                {
                    r = (key, rk) switch
                    {
                        ("limits", "cpus") => r with { CpuLimit = reader.Double(rv, rat) ?? 0 },
                        ("limits", "memory") => r with { MemoryLimit = reader.String(rv, rat) },
                        ("reservations", "cpus") => r with { CpuReservation = reader.Double(rv, rat) ?? 0 },
                        ("reservations", "memory") => r with { MemoryReservation = reader.String(rv, rat) },
                        _ => r,
                    };
                }
            }

            return r;
        }

        private ComposeHealthcheck Healthcheck(YamlNode node, string path)
        {
            List<string>? test = null;
            TimeSpan? interval = null, timeout = null, start = null;
            int? retries = null;
            var disable = false;
            foreach (var (key, at, value) in Entries(node, path, HealthcheckKeys))
            {
                switch (key)
                {
                    case "test":
                        test = value is YamlScalarNode sc ? ["CMD-SHELL", sc.Value ?? string.Empty] : reader.Strings(value, at);
                        break;
                    case "interval": interval = Duration(value, at); break;
                    case "timeout": timeout = Duration(value, at); break;
                    case "retries": retries = reader.Int(value, at) ?? 0; break;
                    case "start_period": start = Duration(value, at); break;
                    case "disable": disable = reader.Bool(value, at) ?? false; break;
                }
            }

            return new ComposeHealthcheck(test, interval, timeout, retries, start, disable);
        }

        private void Ports(YamlNode node, string path, List<ServicePort> ports)
        {
            if (node is not YamlSequenceNode)
            {
                Error(node, path, "must be a list");
                return;
            }

            foreach (var (item, at) in reader.Items(node, path))
            {
                if (item is YamlScalarNode scalar)
                {
                    // "8080:80", "80", "8080:80/udp"; ranges and host IPs are not supported.
                    var text = scalar.Value ?? string.Empty;
                    var protocol = "tcp";
                    var slash = text.IndexOf('/', StringComparison.Ordinal);
                    if (slash >= 0)
                    {
                        protocol = text[(slash + 1)..];
                        text = text[..slash];
                    }

                    var parts = text.Split(':');
                    if (parts.Length > 2 || parts.Any(x => !int.TryParse(x, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
                    {
                        Error(item, at, $"'{scalar.Value}' is not supported; use \"published:target[/protocol]\" or the long syntax");
                        continue;
                    }

                    var target = int.Parse(parts[^1], CultureInfo.InvariantCulture);
                    var published = parts.Length == 2 ? int.Parse(parts[0], CultureInfo.InvariantCulture) : 0;
                    ports.Add(new ServicePort { Target = target, Published = published, Protocol = protocol });
                    continue;
                }

                var port = new ServicePort { Target = 0 };
                foreach (var (key, kat, value) in Entries(item, at, PortKeys))
                {
                    port = key switch
                    {
                        "target" => port with { Target = reader.Int(value, kat) ?? 0 },
                        "published" => port with { Published = reader.Int(value, kat) ?? 0 },
                        "protocol" => port with { Protocol = reader.String(value, kat) ?? "tcp" },
                        "mode" => port with { Mode = reader.String(value, kat) ?? "ingress" },
                        _ => port,
                    };
                }

                if (port.Target == 0)
                {
                    Error(item, at, "target is required");
                }

                ports.Add(port);
            }
        }

        private void Mounts(YamlNode node, string path, List<ServiceMount> mounts)
        {
            if (node is not YamlSequenceNode)
            {
                Error(node, path, "must be a list");
                return;
            }

            foreach (var (item, at) in reader.Items(node, path))
            {
                if (item is YamlScalarNode scalar)
                {
                    var parts = (scalar.Value ?? string.Empty).Split(':');
                    if (parts.Length == 1)
                    {
                        Error(item, at, "anonymous volumes are not supported; name the volume (\"data:/path\")");
                        continue;
                    }

                    var source = parts[0];
                    var bind = source.StartsWith('/') || source.StartsWith('.') || source.StartsWith('~');
                    mounts.Add(new ServiceMount
                    {
                        Type = bind ? "bind" : "volume",
                        Source = source,
                        Target = parts[1],
                        ReadOnly = parts.Length > 2 && parts[2].Split(',').Contains("ro"),
                    });
                    continue;
                }

                var mount = new ServiceMount { Target = string.Empty };
                foreach (var (key, kat, value) in Entries(item, at, MountKeys))
                {
                    mount = key switch
                    {
                        "type" => mount with { Type = reader.String(value, kat) ?? "volume" },
                        "source" => mount with { Source = reader.String(value, kat) },
                        "target" => mount with { Target = reader.String(value, kat) ?? string.Empty },
                        "read_only" => mount with { ReadOnly = reader.Bool(value, kat) ?? false },
                        _ => mount,
                    };
                }

                mounts.Add(mount);
            }
        }

        private void ServiceNetworks(YamlNode node, string path, Dictionary<string, List<string>> networks)
        {
            if (node is YamlSequenceNode)
            {
                foreach (var name in reader.Strings(node, path))
                {
                    networks[name] = [];
                }

                return;
            }

            foreach (var (name, at, value) in Entries(node, path))
            {
                var aliases = new List<string>();
                foreach (var (_, kat, v) in Entries(value, at, ServiceNetworkKeys))
                {
                    aliases.AddRange(reader.Strings(v, kat)); // aliases, the only supported key
                }

                networks[name] = aliases;
            }
        }

        private static bool IsExtension(string key) => key.StartsWith("x-", StringComparison.Ordinal);

        private List<string>? Command(YamlNode node, string path) =>
            node is YamlScalarNode s ? SplitCommand(s.Value ?? string.Empty) : reader.Strings(node, path);

        private void Map(YamlNode node, string path, Dictionary<string, string> target)
        {
            if (node is YamlSequenceNode)
            {
                // The list form: "KEY=value" (a bare "KEY" means empty here; no host environment is read).
                foreach (var item in reader.Strings(node, path))
                {
                    var eq = item.IndexOf('=', StringComparison.Ordinal);
                    target[eq < 0 ? item : item[..eq]] = eq < 0 ? string.Empty : item[(eq + 1)..];
                }

                return;
            }

            reader.StringMap(node, path, target);
        }

        // Compose durations are Go's ("1m30s", "500ms") or seconds; Units words the problem, the reader places it.
        private TimeSpan? Duration(YamlNode node, string path) => reader.Duration(node, path, text =>
        {
            try
            {
                return Units.ParseDuration(text, path);
            }
            catch (StepFailedException ex)
            {
                var prefix = $"{path}: ";
                throw new FormatException(ex.Message.StartsWith(prefix, StringComparison.Ordinal) ? ex.Message[prefix.Length..].TrimEnd('.') : ex.Message);
            }
        });
    }
}
