using System.Globalization;
using Workflows.Abstractions.Actions;
using Workflows.OpenStack.Compute.Responses;

namespace Workflows.OpenStack.Actions;

/// <summary>What the OpenStack actions' plans share: the cloud's connection, resolution by name, quota lines.</summary>
internal static class PlanSupport
{
    /// <summary>Connects to the step's cloud for reading, or records why it cannot (an unknown cloud, a cloud known only later).</summary>
    public static OpenStackConnection? Connect(IOpenStackClientFactory clients, string? cloud, PlanContext context, StepPlanBuilder plan)
    {
        if (context.WhenKnown("cloud") is { } when)
        {
            plan.Deferred("cloud", $"the cloud is {when}");
            return null;
        }

        try
        {
            var os = clients.Connect(cloud, context.Audit);
            plan.Passed("cloud", $"{os.Cloud.Name} ({os.Cloud.AuthUrl})");
            return os;
        }
        catch (OpenStackException e)
        {
            plan.Error("cloud", "with.cloud", e.Message);
            return null;
        }
    }

    /// <summary>Describes a flavor: <c>m1.tiny (id 1): 1 vCPU, 512 MB RAM, 1 GB disk</c>.</summary>
    public static string Describe(Flavor f) =>
        string.Create(CultureInfo.InvariantCulture, $"{f.Name} (id {f.Id}): {f.Vcpus} vCPU, {f.Ram} MB RAM, {f.Disk} GB disk");

    /// <summary>Checks one quota against what a step needs; records the check and, when it does not fit, the error.</summary>
    /// <returns>Whether the need fits.</returns>
    public static bool Quota(StepPlanBuilder plan, string name, string field, int limit, int used, int need, string unit)
    {
        if (limit < 0)
        {
            plan.Passed($"quota.{name}", string.Create(CultureInfo.InvariantCulture, $"{used} {unit} used, no limit"));
            return true;
        }

        var left = limit - used;
        var detail = string.Create(CultureInfo.InvariantCulture, $"{used} of {limit} {unit} used, {left} left; this step needs {need}");
        if (need > left)
        {
            plan.Error($"quota.{name}", field, $"quota exhausted: {detail}");
            return false;
        }

        plan.Passed($"quota.{name}", string.Create(CultureInfo.InvariantCulture, $"{detail}, {left - need} left after it"));
        return true;
    }

    /// <summary>The text of an unknown or known value.</summary>
    public static string Text(PlanContext context, string path, string? value) => context.WhenKnown(path) is { } when ? $"({when})" : value ?? string.Empty;
}
