using Docker.DotNet.Models;
using Workflows.Docker.Swarm;

namespace Workflows.Docker.Compose;

/// <summary>Turns a compose service into a Swarm <see cref="ServiceSpec"/> the way <c>docker stack deploy</c> names things.</summary>
public static class StackSpecBuilder
{
    /// <summary>Returns the Docker name of a stack network.</summary>
    public static string NetworkName(string stack, string key, ComposeNetwork? network) =>
        network is { External: true } ? network.Name ?? key : network?.Name ?? $"{stack}_{key}";

    /// <summary>Returns the Docker name of a stack volume.</summary>
    public static string VolumeName(string stack, string key, ComposeVolume? volume) =>
        volume is { External: true } ? volume.Name ?? key : volume?.Name ?? $"{stack}_{key}";

    /// <summary>Builds the spec of one service.</summary>
    public static ServiceSpec Build(string stack, string name, ComposeService s, ComposeFile file)
    {
        var labels = new Dictionary<string, string>(s.DeployLabels) { [WorkflowLabels.StackNamespace] = stack };
        var containerLabels = new Dictionary<string, string>(s.Labels) { [WorkflowLabels.StackNamespace] = stack };

        var mounts = s.Volumes.Select(m => new Mount
        {
            Type = m.Type,
            Source = m.Type == "volume" && m.Source is not null ? VolumeName(stack, m.Source, file.Volumes.GetValueOrDefault(m.Source)) : m.Source,
            Target = m.Target,
            ReadOnly = m.ReadOnly,
            VolumeOptions = m.Type == "volume" && m.Source is not null
                ? new VolumeOptions
                {
                    Labels = new Dictionary<string, string>(file.Volumes.GetValueOrDefault(m.Source)?.Labels ?? []) { [WorkflowLabels.StackNamespace] = stack },
                    DriverConfig = file.Volumes.GetValueOrDefault(m.Source) is { Driver: not null } v ? new Driver { Name = v.Driver, Options = v.DriverOpts } : null,
                }
                : null,
        }).ToList();

        var networkKeys = s.Networks.Count > 0 ? s.Networks : new Dictionary<string, List<string>> { ["default"] = [] };
        var networks = networkKeys.Select(n =>
        {
            var docker = NetworkName(stack, n.Key, file.Networks.GetValueOrDefault(n.Key));

            // The host network takes no aliases; every other network gets the compose name as a DNS alias, like the CLI.
            return new NetworkAttachmentConfig { Target = docker, Aliases = docker == "host" ? null : [name, .. n.Value] };
        }).ToList();

        var mode = s.Mode == "global"
            ? new ServiceMode { Global = new GlobalService() }
            : new ServiceMode { Replicated = new ReplicatedService { Replicas = (ulong)s.Replicas } };

        return new ServiceSpec
        {
            Name = $"{stack}_{name}",
            Labels = labels,
            TaskTemplate = new TaskSpec
            {
                ContainerSpec = new ContainerSpec
                {
                    Image = s.Image,
                    Command = s.Entrypoint,
                    Args = s.Command,
                    Env = s.Environment.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}={e.Value}").ToList(),
                    Labels = containerLabels,
                    Mounts = mounts.Count > 0 ? mounts : null,
                    Dir = s.WorkingDir,
                    User = s.User,
                    Hostname = s.Hostname,
                    StopGracePeriod = s.StopGracePeriod is { } g ? Units.Nanoseconds(g) : null,
                    Healthcheck = s.Healthcheck is { } h ? ToHealth(h) : null,
                },
                Networks = networks,
                Resources = s.Resources is { } r ? ToResources(r) : null,
                Placement = s.Constraints.Count > 0 ? new Placement { Constraints = s.Constraints } : null,
                RestartPolicy = s.RestartPolicy is { } rp
                    ? new SwarmRestartPolicy
                    {
                        Condition = rp.Condition,
                        Delay = rp.Delay is { } d ? Units.Nanoseconds(d) : null,
                        MaxAttempts = rp.MaxAttempts,
                        Window = rp.Window is { } w ? Units.Nanoseconds(w) : null,
                    }
                    : null,
            },
            Mode = mode,
            UpdateConfig = ServiceSpecBuilder.ToUpdateConfig(s.UpdateConfig ?? new ServiceUpdatePolicy(), "rollback", $"services.{name}.deploy.update_config"),
            RollbackConfig = ServiceSpecBuilder.ToUpdateConfig(s.RollbackConfig ?? new ServiceUpdatePolicy(), "pause", $"services.{name}.deploy.rollback_config"),
            EndpointSpec = s.Ports.Count > 0
                ? new EndpointSpec
                {
                    Ports = s.Ports.Select(p => new PortConfig { TargetPort = (uint)p.Target, PublishedPort = (uint)p.Published, Protocol = p.Protocol, PublishMode = p.Mode }).ToList(),
                }
                : null,
        };
    }

    /// <summary>Converts a compose health check.</summary>
    public static HealthConfig ToHealth(ComposeHealthcheck h) => h.Disable
        ? new HealthConfig { Test = ["NONE"] }
        : new HealthConfig
        {
            Test = h.Test,
            Interval = h.Interval ?? TimeSpan.Zero,
            Timeout = h.Timeout ?? TimeSpan.Zero,
            Retries = h.Retries ?? 0,
            StartPeriod = h.StartPeriod is { } sp ? Units.Nanoseconds(sp) : 0,
        };

    private static ResourceRequirements ToResources(ServiceResources r) => new()
    {
        Limits = r.CpuLimit is null && r.MemoryLimit is null ? null : new SwarmLimit
        {
            NanoCPUs = r.CpuLimit is { } c ? Units.NanoCpus(c) : 0,
            MemoryBytes = r.MemoryLimit is { } m ? Units.ParseBytes(m, "deploy.resources.limits.memory") : 0,
        },
        Reservations = r.CpuReservation is null && r.MemoryReservation is null ? null : new SwarmResources
        {
            NanoCPUs = r.CpuReservation is { } c2 ? Units.NanoCpus(c2) : 0,
            MemoryBytes = r.MemoryReservation is { } m2 ? Units.ParseBytes(m2, "deploy.resources.reservations.memory") : 0,
        },
    };
}
