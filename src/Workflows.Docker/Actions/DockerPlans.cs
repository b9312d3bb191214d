using System.Text.Json;
using System.Text.Json.Nodes;
using Docker.DotNet;
using Workflows.Abstractions;
using Workflows.Abstractions.Actions;
using Workflows.Docker.Client;
using Workflows.Docker.Swarm;

namespace Workflows.Docker.Actions;

/// <summary>What the Docker actions' plans share: unknown inputs, binding with placeholders, the engine's client.</summary>
internal static class DockerPlans
{
    /// <summary>
    /// Records a deferred check for each of <paramref name="fields"/> that is not known yet.
    /// </summary>
    /// <returns>Null when all are known, else what to say in the summary (<c>host is known after `vm`</c>).</returns>
    public static string? Unknown(PlanContext context, StepPlanBuilder plan, params string[] fields)
    {
        string? first = null;
        foreach (var field in fields)
        {
            if (context.WhenKnown(field) is { } when)
            {
                plan.Deferred(field, $"'{field}' is {when}: the engine cannot be read yet");
                first ??= $"{field} is {when}";
            }
        }

        return first;
    }

    /// <summary>
    /// Binds the inputs; each unknown input among <paramref name="shownAsUnknown"/> is bound as the text
    /// <c>(known after `step`)</c> (so the plan shows it), every other unknown input keeps its default and is listed
    /// as a deferred check.
    /// </summary>
    /// <exception cref="StepFailedException">Code <c>inputs.invalid</c> naming the field.</exception>
    public static T Bind<T>(PlanContext context, StepPlanBuilder plan, params string[] shownAsUnknown)
        where T : class
    {
        var inputs = (JsonObject)context.Inputs.DeepClone();
        foreach (var (path, when) in context.Unknown.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (shownAsUnknown.Contains(path, StringComparer.Ordinal))
            {
                inputs[path] = $"({when})";
            }
            else
            {
                plan.Deferred(path, $"'{path}' is {when}: planned with its default");
            }
        }

        try
        {
            return inputs.Deserialize<T>(JsonDefaults.Options)
                ?? throw new StepFailedException("inputs.invalid", "with: the step has no inputs.", retryable: false);
        }
        catch (JsonException e)
        {
            var field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "with" : "with." + e.Path.TrimStart('$', '.');
            throw new StepFailedException("inputs.invalid", $"{field}: {e.Message.Split(" Path:", 2)[0]}", retryable: false, e);
        }
    }

    /// <summary>The field a <c>field: message</c> names, as <c>with.field</c>.</summary>
    public static string FieldOf(string message)
    {
        var colon = message.IndexOf(':', StringComparison.Ordinal);
        var head = colon > 0 ? message[..colon] : string.Empty;
        return head.Length > 0 && !head.Contains(' ', StringComparison.Ordinal) ? (head.StartsWith("with", StringComparison.Ordinal) ? head : "with." + head) : "with";
    }

    /// <summary>
    /// Opens a client for the step's endpoint, checks it is a swarm manager and plans with it; an endpoint that
    /// cannot be resolved or reached is an error of the plan on <c>with.host</c>.
    /// </summary>
    public static async Task<StepPlan> WithEngineAsync(
        IDockerClientFactory clients,
        DockerEndpointInputs inputs,
        StepPlanBuilder plan,
        PlanContext context,
        string doing,
        Func<IDockerClient, DockerEndpoint, Task<(PlanAction Action, string Summary)>> body)
    {
        IDockerClient client;
        DockerEndpoint endpoint;
        try
        {
            (client, endpoint) = clients.Create(inputs);
        }
        catch (StepFailedException e)
        {
            plan.Error("endpoint", "with.host", e.Message);
            return plan.Build(PlanAction.Unknown, doing);
        }

        using (client)
        {
            if (!await SwarmPlanner.CheckManagerAsync(client, endpoint, plan, context.CancellationToken))
            {
                return plan.Build(PlanAction.Unknown, $"{doing} on {endpoint}");
            }

            try
            {
                var (action, summary) = await body(client, endpoint);
                return plan.Build(action, summary);
            }
            catch (Exception e) when (e is DockerApiException or HttpRequestException or IOException or TimeoutException)
            {
                plan.Error("engine", "with.host", DockerErrors.Translate(e, endpoint, "Planning").Message);
                return plan.Build(PlanAction.Unknown, $"{doing} on {endpoint}");
            }
        }
    }
}
