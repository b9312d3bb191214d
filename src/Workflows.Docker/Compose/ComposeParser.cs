using System.Globalization;
using System.Text;
using Workflows.Abstractions.Actions;
using Workflows.Docker.Swarm;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Workflows.Docker.Compose;

/// <summary>
/// Reads a compose file for <c>docker stack deploy</c>. Every key outside <see cref="SupportedKeys"/>
/// is reported by its path (e.g. <c>services.web.build</c>) instead of being ignored; <c>x-</c> extension
/// keys are allowed anywhere, as the compose specification says.
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
        var stream = new YamlStream();
        var parser = new YamlDotNet.Core.Parser(new StringReader(yaml));
        try
        {
            stream.Load(parser);
        }
        catch (YamlException ex)
        {
            throw new StepFailedException("docker.compose.invalid", $"The compose file is not valid YAML at line {ex.Start.Line}, column {ex.Start.Column}: {ex.Message}", retryable: false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet's scanner throws these on some malformed input (e.g. an unclosed flow mapping followed by a new line).
            var at = parser.Current?.End ?? Mark.Empty;
            throw new StepFailedException("docker.compose.invalid", $"The compose file is not valid YAML at line {at.Line}, column {at.Column}: {ex.Message}", retryable: false);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new StepFailedException("docker.compose.invalid", "The compose file must be a mapping with a 'services' key.", retryable: false);
        }

        variables ??= ComposeVariables.None;
        variables.Interpolate(root);
        var file = new ComposeFile();
        file.Warnings.AddRange(variables.Warnings);
        var p = new Parser(file);
        foreach (var (key, value) in p.Entries(root, string.Empty))
        {
            switch (key)
            {
                case "version" or "name":
                    break;
                case "services":
                    foreach (var (name, node) in p.Entries(value, "services"))
                    {
                        file.Services[name] = p.Service(node, $"services.{name}");
                    }

                    break;
                case "networks":
                    foreach (var (name, node) in p.Entries(value, "networks"))
                    {
                        file.Networks[name] = p.Network(node, $"networks.{name}");
                    }

                    break;
                case "volumes":
                    foreach (var (name, node) in p.Entries(value, "volumes"))
                    {
                        file.Volumes[name] = p.Volume(node, $"volumes.{name}");
                    }

                    break;
                default:
                    p.Unsupported(key);
                    break;
            }
        }

        if (file.Services.Count == 0)
        {
            file.Errors.Add("services: the file defines no service");
        }

        foreach (var (name, service) in file.Services)
        {
            if (string.IsNullOrEmpty(service.Image))
            {
                file.Errors.Add($"services.{name}.image: required (build is not supported by stack deploy)");
            }

            foreach (var network in service.Networks.Keys.Where(n => n != "default" && !file.Networks.ContainsKey(n)))
            {
                file.Errors.Add($"services.{name}.networks: network '{network}' is not declared under the top-level networks");
            }

            foreach (var mount in service.Volumes.Where(m => m.Type == "volume" && m.Source is not null && !file.Volumes.ContainsKey(m.Source)))
            {
                file.Errors.Add($"services.{name}.volumes: volume '{mount.Source}' is not declared under the top-level volumes");
            }
        }

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

    private sealed class Parser(ComposeFile file)
    {
        public IEnumerable<(string Key, YamlNode Value)> Entries(YamlNode node, string path)
        {
            if (node is not YamlMappingNode map)
            {
                if (!(node is YamlScalarNode { Value: null or "" }))
                {
                    Error(path, "must be a mapping");
                }

                yield break;
            }

            foreach (var (k, v) in map.Children)
            {
                if (k is not YamlScalarNode scalarKey)
                {
                    throw new StepFailedException("docker.compose.invalid", $"The compose file has a key that is not a plain value under '{path}' at line {k.Start.Line}, column {k.Start.Column}.", retryable: false);
                }

                var key = scalarKey.Value ?? string.Empty;
                if (key.StartsWith("x-", StringComparison.Ordinal))
                {
                    continue;
                }

                yield return (key, v);
            }
        }

        public void Unsupported(string path) => file.UnsupportedKeys.Add(path.TrimStart('.'));

        public void Error(string path, string message) => file.Errors.Add($"{path.TrimStart('.')}: {message}");

        public ComposeService Service(YamlNode node, string path)
        {
            var s = new ComposeService();
            foreach (var (key, value) in Entries(node, path))
            {
                var at = $"{path}.{key}";
                switch (key)
                {
                    case "image": s.Image = Scalar(value, at); break;
                    case "command": s.Command = Command(value, at); break;
                    case "entrypoint": s.Entrypoint = Command(value, at); break;
                    case "environment": Map(value, at, s.Environment); break;
                    case "labels": Map(value, at, s.Labels); break;
                    case "ports": Ports(value, at, s.Ports); break;
                    case "volumes": Mounts(value, at, s.Volumes); break;
                    case "networks": ServiceNetworks(value, at, s.Networks); break;
                    case "working_dir": s.WorkingDir = Scalar(value, at); break;
                    case "user": s.User = Scalar(value, at); break;
                    case "hostname": s.Hostname = Scalar(value, at); break;
                    case "stop_grace_period": s.StopGracePeriod = Duration(value, at); break;
                    case "healthcheck": s.Healthcheck = Healthcheck(value, at); break;
                    case "deploy": Deploy(value, at, s); break;
                    default: Unsupported(at); break;
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
            foreach (var (key, value) in Entries(node, path))
            {
                var at = $"{path}.{key}";
                switch (key)
                {
                    case "name": name = Scalar(value, at); break;
                    case "driver": driver = Scalar(value, at) ?? driver; break;
                    case "external": external = Bool(value, at); break;
                    case "attachable": attachable = Bool(value, at); break;
                    case "labels": Map(value, at, labels); break;
                    case "driver_opts": Map(value, at, opts); break;
                    default: Unsupported(at); break;
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
            foreach (var (key, value) in Entries(node, path))
            {
                var at = $"{path}.{key}";
                switch (key)
                {
                    case "name": name = Scalar(value, at); break;
                    case "driver": driver = Scalar(value, at); break;
                    case "external": external = Bool(value, at); break;
                    case "labels": Map(value, at, labels); break;
                    case "driver_opts": Map(value, at, opts); break;
                    default: Unsupported(at); break;
                }
            }

            return new ComposeVolume(name, driver, external, labels, opts);
        }

        private void Deploy(YamlNode node, string path, ComposeService s)
        {
            foreach (var (key, value) in Entries(node, path))
            {
                var at = $"{path}.{key}";
                switch (key)
                {
                    case "replicas": s.Replicas = Int(value, at); break;
                    case "mode":
                        s.Mode = Scalar(value, at) ?? "replicated";
                        if (s.Mode is not ("replicated" or "global"))
                        {
                            Error(at, $"'{s.Mode}' is not one of replicated, global");
                        }

                        break;
                    case "labels": Map(value, at, s.DeployLabels); break;
                    case "update_config": s.UpdateConfig = UpdatePolicy(value, at); break;
                    case "rollback_config": s.RollbackConfig = UpdatePolicy(value, at); break;
                    case "restart_policy": s.RestartPolicy = RestartPolicy(value, at); break;
                    case "resources": s.Resources = Resources(value, at); break;
                    case "placement":
                        foreach (var (pk, pv) in Entries(value, at))
                        {
                            if (pk == "constraints")
                            {
                                s.Constraints.AddRange(List(pv, $"{at}.constraints"));
                            }
                            else
                            {
                                Unsupported($"{at}.{pk}");
                            }
                        }

                        break;
                    default: Unsupported(at); break;
                }
            }
        }

        private ServiceUpdatePolicy UpdatePolicy(YamlNode node, string path)
        {
            var policy = new ServiceUpdatePolicy();
            foreach (var (key, value) in Entries(node, path))
            {
                var at = $"{path}.{key}";
                policy = key switch
                {
                    "parallelism" => policy with { Parallelism = Int(value, at) },
                    "delay" => policy with { Delay = Scalar(value, at) ?? "0s" },
                    "order" => policy with { Order = Scalar(value, at) ?? "stop-first" },
                    "failure_action" => policy with { FailureAction = Scalar(value, at) },
                    "monitor" => policy with { Monitor = Scalar(value, at) ?? "5s" },
                    "max_failure_ratio" => policy with { MaxFailureRatio = Double(value, at) },
                    _ => Skip(policy, at),
                };
            }

            return policy;
        }

        private ComposeRestartPolicy RestartPolicy(YamlNode node, string path)
        {
            string? condition = null;
            TimeSpan? delay = null, window = null;
            ulong? attempts = null;
            foreach (var (key, value) in Entries(node, path))
            {
                var at = $"{path}.{key}";
                switch (key)
                {
                    case "condition": condition = Scalar(value, at); break;
                    case "delay": delay = Duration(value, at); break;
                    case "max_attempts": attempts = (ulong)Int(value, at); break;
                    case "window": window = Duration(value, at); break;
                    default: Unsupported(at); break;
                }
            }

            return new ComposeRestartPolicy(condition, delay, attempts, window);
        }

        private ServiceResources Resources(YamlNode node, string path)
        {
            var r = new ServiceResources();
            foreach (var (key, value) in Entries(node, path))
            {
                var at = $"{path}.{key}";
                if (key is not ("limits" or "reservations"))
                {
                    Unsupported(at);
                    continue;
                }

                foreach (var (rk, rv) in Entries(value, at))
                {
                    var rat = $"{at}.{rk}";
                    r = (key, rk) switch
                    {
                        ("limits", "cpus") => r with { CpuLimit = Double(rv, rat) },
                        ("limits", "memory") => r with { MemoryLimit = Scalar(rv, rat) },
                        ("reservations", "cpus") => r with { CpuReservation = Double(rv, rat) },
                        ("reservations", "memory") => r with { MemoryReservation = Scalar(rv, rat) },
                        _ => Skip(r, rat),
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
            foreach (var (key, value) in Entries(node, path))
            {
                var at = $"{path}.{key}";
                switch (key)
                {
                    case "test":
                        test = value is YamlScalarNode sc ? ["CMD-SHELL", sc.Value ?? string.Empty] : List(value, at);
                        break;
                    case "interval": interval = Duration(value, at); break;
                    case "timeout": timeout = Duration(value, at); break;
                    case "retries": retries = Int(value, at); break;
                    case "start_period": start = Duration(value, at); break;
                    case "disable": disable = Bool(value, at); break;
                    default: Unsupported(at); break;
                }
            }

            return new ComposeHealthcheck(test, interval, timeout, retries, start, disable);
        }

        private void Ports(YamlNode node, string path, List<ServicePort> ports)
        {
            if (node is not YamlSequenceNode seq)
            {
                Error(path, "must be a list");
                return;
            }

            for (var i = 0; i < seq.Children.Count; i++)
            {
                var at = $"{path}[{i}]";
                if (seq.Children[i] is YamlScalarNode scalar)
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
                        Error(at, $"'{scalar.Value}' is not supported; use \"published:target[/protocol]\" or the long syntax");
                        continue;
                    }

                    var target = int.Parse(parts[^1], CultureInfo.InvariantCulture);
                    var published = parts.Length == 2 ? int.Parse(parts[0], CultureInfo.InvariantCulture) : 0;
                    ports.Add(new ServicePort { Target = target, Published = published, Protocol = protocol });
                    continue;
                }

                var port = new ServicePort { Target = 0 };
                foreach (var (key, value) in Entries(seq.Children[i], at))
                {
                    var kat = $"{at}.{key}";
                    port = key switch
                    {
                        "target" => port with { Target = Int(value, kat) },
                        "published" => port with { Published = Int(value, kat) },
                        "protocol" => port with { Protocol = Scalar(value, kat) ?? "tcp" },
                        "mode" => port with { Mode = Scalar(value, kat) ?? "ingress" },
                        _ => Skip(port, kat),
                    };
                }

                if (port.Target == 0)
                {
                    Error(at, "target is required");
                }

                ports.Add(port);
            }
        }

        private void Mounts(YamlNode node, string path, List<ServiceMount> mounts)
        {
            if (node is not YamlSequenceNode seq)
            {
                Error(path, "must be a list");
                return;
            }

            for (var i = 0; i < seq.Children.Count; i++)
            {
                var at = $"{path}[{i}]";
                if (seq.Children[i] is YamlScalarNode scalar)
                {
                    var parts = (scalar.Value ?? string.Empty).Split(':');
                    if (parts.Length == 1)
                    {
                        Error(at, "anonymous volumes are not supported; name the volume (\"data:/path\")");
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
                foreach (var (key, value) in Entries(seq.Children[i], at))
                {
                    var kat = $"{at}.{key}";
                    mount = key switch
                    {
                        "type" => mount with { Type = Scalar(value, kat) ?? "volume" },
                        "source" => mount with { Source = Scalar(value, kat) },
                        "target" => mount with { Target = Scalar(value, kat) ?? string.Empty },
                        "read_only" => mount with { ReadOnly = Bool(value, kat) },
                        _ => Skip(mount, kat),
                    };
                }

                mounts.Add(mount);
            }
        }

        private void ServiceNetworks(YamlNode node, string path, Dictionary<string, List<string>> networks)
        {
            if (node is YamlSequenceNode)
            {
                foreach (var name in List(node, path))
                {
                    networks[name] = [];
                }

                return;
            }

            foreach (var (name, value) in Entries(node, path))
            {
                var aliases = new List<string>();
                foreach (var (key, v) in Entries(value, $"{path}.{name}"))
                {
                    if (key == "aliases")
                    {
                        aliases.AddRange(List(v, $"{path}.{name}.aliases"));
                    }
                    else
                    {
                        Unsupported($"{path}.{name}.{key}");
                    }
                }

                networks[name] = aliases;
            }
        }

        private T Skip<T>(T value, string path)
        {
            Unsupported(path);
            return value;
        }

        private string? Scalar(YamlNode node, string path)
        {
            if (node is YamlScalarNode s)
            {
                return s.Value;
            }

            Error(path, "must be a single value");
            return null;
        }

        private List<string> List(YamlNode node, string path)
        {
            if (node is YamlSequenceNode seq)
            {
                return seq.Children.Select((c, i) => Scalar(c, $"{path}[{i}]") ?? string.Empty).ToList();
            }

            Error(path, "must be a list");
            return [];
        }

        private List<string>? Command(YamlNode node, string path) =>
            node is YamlScalarNode s ? SplitCommand(s.Value ?? string.Empty) : List(node, path);

        private void Map(YamlNode node, string path, Dictionary<string, string> target)
        {
            if (node is YamlSequenceNode)
            {
                // The list form: "KEY=value" (a bare "KEY" means empty here; no host environment is read).
                foreach (var item in List(node, path))
                {
                    var eq = item.IndexOf('=', StringComparison.Ordinal);
                    target[eq < 0 ? item : item[..eq]] = eq < 0 ? string.Empty : item[(eq + 1)..];
                }

                return;
            }

            foreach (var (key, value) in Entries(node, path))
            {
                target[key] = Scalar(value, $"{path}.{key}") ?? string.Empty;
            }
        }

        private int Int(YamlNode node, string path)
        {
            if (int.TryParse(Scalar(node, path), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
            {
                return n;
            }

            Error(path, "must be an integer");
            return 0;
        }

        private double Double(YamlNode node, string path)
        {
            if (double.TryParse(Scalar(node, path), NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
            {
                return n;
            }

            Error(path, "must be a number");
            return 0;
        }

        private bool Bool(YamlNode node, string path)
        {
            var text = Scalar(node, path);
            if (bool.TryParse(text, out var b))
            {
                return b;
            }

            Error(path, "must be true or false");
            return false;
        }

        private TimeSpan? Duration(YamlNode node, string path)
        {
            var text = Scalar(node, path);
            if (text is null)
            {
                return null;
            }

            try
            {
                return Units.ParseDuration(text, path);
            }
            catch (StepFailedException ex)
            {
                file.Errors.Add(ex.Message);
                return null;
            }
        }
    }
}
