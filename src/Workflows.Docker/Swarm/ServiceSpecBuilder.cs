using Docker.DotNet.Models;
using Workflows.Abstractions.Actions;

namespace Workflows.Docker.Swarm;

/// <summary>Builds a Docker <see cref="ServiceSpec"/> from <see cref="ServiceDeployInputs"/>.</summary>
public static class ServiceSpecBuilder
{
    /// <summary>Builds the spec (without the workflow labels).</summary>
    /// <exception cref="StepFailedException">Code <c>inputs.invalid</c> naming the field.</exception>
    public static ServiceSpec Build(ServiceDeployInputs inputs)
    {
        if (inputs.Replicas < 0)
        {
            throw new StepFailedException("inputs.invalid", "replicas: must be 0 or more.", retryable: false);
        }

        var container = new ContainerSpec
        {
            Image = inputs.Image,
            Command = inputs.Command?.ToList(),
            Args = inputs.Args?.ToList(),
            Env = inputs.Env?.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}={e.Value}").ToList(),
            Labels = inputs.ContainerLabels is { } cl ? new Dictionary<string, string>(cl) : null,
            Mounts = inputs.Mounts?.Select(ToMount).ToList(),
            StopGracePeriod = inputs.StopGracePeriod is { } grace ? Units.Nanoseconds(Units.ParseDuration(grace, "stopGracePeriod")) : null,
        };

        return new ServiceSpec
        {
            Name = inputs.Name,
            Labels = inputs.Labels is { } l ? new Dictionary<string, string>(l) : new Dictionary<string, string>(),
            TaskTemplate = new TaskSpec
            {
                ContainerSpec = container,
                Resources = ToResources(inputs.Resources),
                Networks = inputs.Networks?.Select(n => new NetworkAttachmentConfig { Target = n }).ToList(),
                Placement = inputs.Constraints is { Count: > 0 } c ? new Placement { Constraints = c.ToList() } : null,
                RestartPolicy = inputs.RestartCondition is { } rc ? new SwarmRestartPolicy { Condition = rc } : null,
            },
            Mode = new ServiceMode { Replicated = new ReplicatedService { Replicas = (ulong)inputs.Replicas } },
            UpdateConfig = ToUpdateConfig(inputs.UpdateConfig ?? new ServiceUpdatePolicy(), "rollback", "updateConfig"),
            RollbackConfig = ToUpdateConfig(inputs.RollbackConfig ?? new ServiceUpdatePolicy(), "pause", "rollbackConfig"),
            EndpointSpec = inputs.Ports is { Count: > 0 } ports
                ? new EndpointSpec
                {
                    Ports = ports.Select(p => new PortConfig
                    {
                        TargetPort = (uint)p.Target,
                        PublishedPort = (uint)p.Published,
                        Protocol = p.Protocol,
                        PublishMode = p.Mode,
                    }).ToList(),
                }
                : null,
        };
    }

    /// <summary>Converts an update policy, checking its enumerations.</summary>
    public static SwarmUpdateConfig ToUpdateConfig(ServiceUpdatePolicy policy, string defaultFailureAction, string field)
    {
        var failure = policy.FailureAction ?? defaultFailureAction;
        if (failure is not ("rollback" or "pause" or "continue"))
        {
            throw new StepFailedException("inputs.invalid", $"{field}.failureAction: '{failure}' is not one of rollback, pause, continue.", retryable: false);
        }

        if (policy.Order is not ("stop-first" or "start-first"))
        {
            throw new StepFailedException("inputs.invalid", $"{field}.order: '{policy.Order}' is not one of stop-first, start-first.", retryable: false);
        }

        return new SwarmUpdateConfig
        {
            Parallelism = (ulong)Math.Max(0, policy.Parallelism),
            Delay = Units.Nanoseconds(Units.ParseDuration(policy.Delay, $"{field}.delay")),
            Order = policy.Order,
            FailureAction = failure,
            Monitor = Units.Nanoseconds(Units.ParseDuration(policy.Monitor, $"{field}.monitor")),
            MaxFailureRatio = (float)policy.MaxFailureRatio,
        };
    }

    private static Mount ToMount(ServiceMount m)
    {
        if (m.Type is not ("volume" or "bind" or "tmpfs"))
        {
            throw new StepFailedException("inputs.invalid", $"mounts: type '{m.Type}' is not one of volume, bind, tmpfs.", retryable: false);
        }

        return new Mount { Type = m.Type, Source = m.Source, Target = m.Target, ReadOnly = m.ReadOnly };
    }

    private static ResourceRequirements? ToResources(ServiceResources? r)
    {
        if (r is null)
        {
            return null;
        }

        return new ResourceRequirements
        {
            Limits = r.CpuLimit is null && r.MemoryLimit is null ? null : new SwarmLimit
            {
                NanoCPUs = r.CpuLimit is { } c ? Units.NanoCpus(c) : 0,
                MemoryBytes = r.MemoryLimit is { } m ? Units.ParseBytes(m, "resources.memoryLimit") : 0,
            },
            Reservations = r.CpuReservation is null && r.MemoryReservation is null ? null : new SwarmResources
            {
                NanoCPUs = r.CpuReservation is { } c2 ? Units.NanoCpus(c2) : 0,
                MemoryBytes = r.MemoryReservation is { } m2 ? Units.ParseBytes(m2, "resources.memoryReservation") : 0,
            },
        };
    }
}
