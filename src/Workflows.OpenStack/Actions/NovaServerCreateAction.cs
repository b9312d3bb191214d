using Microsoft.Extensions.Options;
using Workflows.Abstractions.Actions;
using Workflows.OpenStack.Compute;
using Workflows.OpenStack.Compute.Requests;
using Workflows.OpenStack.Compute.Responses;

namespace Workflows.OpenStack.Actions;

/// <summary>Inputs of <c>nova.server.create</c>.</summary>
public sealed class NovaServerCreateInputs
{
    /// <summary>Gets or sets the cloud name. Default is OS_CLOUD.</summary>
    public string? Cloud { get; set; }

    /// <summary>Gets or sets the server name.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Gets or sets the image name or id. Default is <c>cirros</c>.</summary>
    public string Image { get; set; } = "cirros";

    /// <summary>Gets or sets the flavor name or id. Default is <c>m1.tiny</c>.</summary>
    public string Flavor { get; set; } = "m1.tiny";

    /// <summary>Gets or sets the network names or ids. Default is null: Nova's <c>auto</c>.</summary>
    public List<string>? Networks { get; set; }

    /// <summary>Gets or sets the key pair name.</summary>
    public string? KeyName { get; set; }

    /// <summary>Gets or sets the user data (plain text; cloud-init).</summary>
    public string? UserData { get; set; }

    /// <summary>Gets or sets extra metadata.</summary>
    public Dictionary<string, string>? Metadata { get; set; }

    /// <summary>Gets or sets extra tags.</summary>
    public List<string>? Tags { get; set; }
}

/// <summary>Outputs of <c>nova.server.create</c>.</summary>
/// <param name="Id">The server id.</param>
/// <param name="Name">The server name.</param>
/// <param name="Status">ACTIVE.</param>
/// <param name="FixedIp">The first fixed IPv4 address.</param>
public sealed record NovaServerCreateOutputs(string Id, string Name, string Status, string? FixedIp);

/// <summary>
/// Boots a server and waits for ACTIVE through durable polls. The server carries the step's
/// idempotency key (metadata <c>workflows_idempotency_key</c> and a <c>wf-…</c> tag), so a retry or a
/// resume after a crash adopts the server an earlier execution booted instead of booting another.
/// A server in ERROR fails the step with Nova's fault message (code <c>nova.fault</c>, not retryable).
/// </summary>
public sealed class NovaServerCreateAction(IOpenStackClientFactory clients, IOptions<OpenStackOptions> options) : StepAction<NovaServerCreateInputs, NovaServerCreateOutputs>, IPlannableAction<NovaServerCreateInputs>
{
    /// <inheritdoc />
    /// <remarks>
    /// Reads: the flavor, the image and each network by name or id; Nova's absolute limits (instances, cores, RAM
    /// left after this server); the servers with the same name. A server of that name carrying this step's key is
    /// adopted (a retry); any other one is a conflict. Cannot know in advance: whether the key pair exists, whether
    /// the hypervisors have room (a scheduling failure shows only when Nova boots), quota used by others meanwhile.
    /// </remarks>
    public async Task<StepPlan> PlanAsync(NovaServerCreateInputs inputs, PlanContext context)
    {
        var plan = new StepPlanBuilder();
        var ct = context.CancellationToken;
        var nameKnown = context.IsKnown("name");
        if (nameKnown && string.IsNullOrWhiteSpace(inputs.Name))
        {
            plan.Error("name", "with.name", "nova.server.create needs a 'name'.");
        }

        var name = PlanSupport.Text(context, "name", inputs.Name);
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["flavor"] = PlanSupport.Text(context, "flavor", inputs.Flavor),
            ["image"] = PlanSupport.Text(context, "image", inputs.Image),
            ["networks"] = inputs.Networks is null ? PlanSupport.Text(context, "networks", "auto") : string.Join(", ", inputs.Networks.Select((n, i) => PlanSupport.Text(context, $"networks[{i}]", n))),
        };
        if (inputs.KeyName is not null || !context.IsKnown("keyName"))
        {
            attributes["key_name"] = PlanSupport.Text(context, "keyName", inputs.KeyName);
        }

        var os = PlanSupport.Connect(clients, inputs.Cloud, context, plan);
        if (os is null)
        {
            plan.Resource(ResourceKinds.Server, name, PlanAction.Create, attributes);
            return plan.Build(plan.HasErrors ? PlanAction.Unknown : PlanAction.Create, $"boot server {name}");
        }

        attributes["cloud"] = os.Cloud.Name;
        var action = PlanAction.Create;
        try
        {
            Compute.Responses.Flavor? flavor = null;
            if (context.WhenKnown("flavor") is { } flavorWhen)
            {
                plan.Deferred("flavor", $"the flavor is {flavorWhen}");
            }
            else
            {
                try
                {
                    flavor = await os.Compute.FindFlavorAsync(inputs.Flavor, ct);
                    plan.Passed("flavor", PlanSupport.Describe(flavor));
                    attributes["flavor"] = $"{flavor.Name} ({flavor.Vcpus} vCPU, {flavor.Ram} MB RAM, {flavor.Disk} GB disk)";
                }
                catch (OpenStackNotFoundException)
                {
                    var names = (await os.Compute.ListFlavorsAsync(ct)).Select(f => f.Name).Order(StringComparer.Ordinal);
                    plan.Error("flavor", "with.flavor", $"flavor '{inputs.Flavor}' does not exist in cloud {os.Cloud.Name}; its flavors are: {string.Join(", ", names)}");
                }
            }

            if (context.WhenKnown("image") is { } imageWhen)
            {
                plan.Deferred("image", $"the image is {imageWhen}");
            }
            else
            {
                try
                {
                    var image = await os.Image.FindImageAsync(inputs.Image, ct);
                    if (image.Status == "active")
                    {
                        plan.Passed("image", $"{image.Name} (id {image.Id}), active");
                    }
                    else
                    {
                        plan.Error("image", "with.image", $"image {image.Name} (id {image.Id}) is {image.Status}, not active: Nova cannot boot from it");
                    }
                }
                catch (Exception e) when (e is OpenStackNotFoundException or OpenStackConflictException)
                {
                    plan.Error("image", "with.image", ((OpenStackException)e).ApiMessage ?? e.Message);
                }
            }

            for (var i = 0; i < (inputs.Networks?.Count ?? 0); i++)
            {
                var field = $"networks[{i}]";
                if (context.WhenKnown(field) is { } netWhen)
                {
                    plan.Deferred(field, $"the network is {netWhen}");
                    continue;
                }

                try
                {
                    var net = await os.Network.FindNetworkAsync(inputs.Networks![i], ct);
                    plan.Passed(field, $"{net.Name} (id {net.Id}){(net.External ? ", external" : string.Empty)}");
                }
                catch (Exception e) when (e is OpenStackNotFoundException or OpenStackConflictException)
                {
                    plan.Error(field, $"with.{field}", $"network '{inputs.Networks![i]}': {((OpenStackException)e).ApiMessage ?? e.Message}");
                }
            }

            Server? existing = null;
            if (nameKnown && !string.IsNullOrWhiteSpace(inputs.Name))
            {
                // Nova's name filter is a regular expression: keep exact matches only.
                var same = (await os.Compute.ListServersAsync(name: inputs.Name, cancellationToken: ct))
                    .Where(x => x.Name == inputs.Name && x.Status is not ("DELETED" or "SOFT_DELETED") && x.TaskState != "deleting").ToList();
                existing = same.FirstOrDefault(x => context.IdempotencyKey is { } key && x.Metadata.GetValueOrDefault(ActionSupport.IdempotencyMetadataKey) == key);
                if (existing is not null)
                {
                    action = PlanAction.Adopt;
                    plan.Passed("name", $"server {existing.Name} ({existing.Id}, {existing.Status}) carries this step's key: it is adopted, not booted again");
                }
                else if (same.FirstOrDefault() is { } taken)
                {
                    var owner = taken.Metadata.TryGetValue("workflows_run", out var run) ? $"booted by run {run}" : "not booted by Workflows";
                    plan.Error("name", "with.name", $"a server named '{inputs.Name}' exists already in cloud {os.Cloud.Name} ({taken.Id}, {taken.Status}, {owner}); choose another name or delete it");
                }
                else
                {
                    plan.Passed("name", $"no server is named '{inputs.Name}'");
                }
            }
            else if (!nameKnown)
            {
                plan.Deferred("name", $"whether the name is free is checked when it is known ({context.WhenKnown("name")})");
            }

            if (action == PlanAction.Create)
            {
                var limits = await os.Compute.GetAbsoluteLimitsAsync(ct);
                PlanSupport.Quota(plan, "instances", "step", limits.MaxTotalInstances, limits.TotalInstancesUsed, 1, "instances");
                if (flavor is not null)
                {
                    PlanSupport.Quota(plan, "cores", "with.flavor", limits.MaxTotalCores, limits.TotalCoresUsed, flavor.Vcpus, "vCPUs");
                    PlanSupport.Quota(plan, "ram", "with.flavor", limits.MaxTotalRamSize, limits.TotalRamUsed, flavor.Ram, "MB RAM");
                }
                else
                {
                    plan.Deferred("quota.cores", "needs the flavor");
                }
            }

            plan.Resource(ResourceKinds.Server, existing?.Id is { } id ? $"{name} ({id})" : name, action, attributes);
        }
        catch (OpenStackException e)
        {
            plan.Error("cloud", "with.cloud", $"cloud {os.Cloud.Name} could not be read: {e.Message}");
            plan.Resource(ResourceKinds.Server, name, PlanAction.Unknown, attributes);
            return plan.Build(PlanAction.Unknown, $"boot server {name}");
        }

        var summary = action == PlanAction.Adopt
            ? $"adopt server {name} booted by an earlier attempt"
            : $"boot server {name} ({attributes["flavor"].Split(' ')[0]}, {attributes["image"]}) on {attributes["networks"]} in {os.Cloud.Name}";
        return plan.Build(action, summary);
    }

    /// <inheritdoc />
    protected override async Task<StepResult> ExecuteAsync(NovaServerCreateInputs inputs, StepContext context)
    {
        if (string.IsNullOrWhiteSpace(inputs.Name))
        {
            return StepResult.Failed("inputs.invalid", "nova.server.create needs a 'name'.", retryable: false);
        }

        var ct = context.CancellationToken;
        try
        {
            var os = clients.Connect(inputs.Cloud, context.Audit);
            var compute = os.Compute;
            Server? server;
            if (context.GetState<ServerState>() is { ServerId: { } id })
            {
                server = await compute.TryGetServerAsync(id, ct);
                if (server is null)
                {
                    return StepResult.Failed("nova.server_gone", $"Server {id} disappeared while it was building.", retryable: true);
                }
            }
            else
            {
                server = await FindByKeyAsync(compute, context.IdempotencyKey, ct);
                if (server is not null)
                {
                    context.Log.WriteLine($"Adopting server {server.Name} ({server.Id}) booted by an earlier execution of this step.");
                }
                else
                {
                    var image = await os.Image.FindImageAsync(inputs.Image, ct);
                    var flavor = await compute.FindFlavorAsync(inputs.Flavor, ct);
                    var networkIds = new List<string>();
                    foreach (var n in inputs.Networks ?? [])
                    {
                        networkIds.Add((await os.Network.FindNetworkAsync(n, ct)).Id);
                    }

                    var metadata = new Dictionary<string, string>(inputs.Metadata ?? [], StringComparer.Ordinal)
                    {
                        [ActionSupport.IdempotencyMetadataKey] = context.IdempotencyKey,
                        ["workflows_run"] = context.RunId.ToString(),
                    };
                    var created = await compute.CreateServerAsync(
                        new CreateServerRequest
                        {
                            Name = inputs.Name,
                            ImageId = image.Id,
                            FlavorId = flavor.Id,
                            NetworkIds = networkIds,
                            KeyName = inputs.KeyName,
                            UserData = inputs.UserData,
                            Metadata = metadata,
                            Tags = [ActionSupport.Tag(context.IdempotencyKey), .. inputs.Tags ?? []],
                        },
                        ct);
                    await context.Resources.RecordAsync(Record(created.Id, inputs.Name, os.Cloud.Name, image.Name, flavor.Name), ct);
                    context.Log.WriteLine($"Nova accepted server {inputs.Name} ({created.Id}): image {image.Name}, flavor {flavor.Name}.");
                    return ActionSupport.Pending(options.Value, 0, "BUILD", new ServerState(created.Id));
                }
            }

            await context.Resources.RecordAsync(Record(server.Id, server.Name, os.Cloud.Name, null, null), ct);
            return Evaluate(server, context);
        }
        catch (OpenStackException ex)
        {
            return ActionSupport.Fail(ex);
        }
    }

    /// <summary>Finds the live server carrying <paramref name="idempotencyKey"/>, if any.</summary>
    internal static async Task<Server?> FindByKeyAsync(ComputeClient compute, string idempotencyKey, CancellationToken cancellationToken)
    {
        var servers = await compute.ListServersAsync(
            tags: [ActionSupport.Tag(idempotencyKey)],
            metadata: new Dictionary<string, string> { [ActionSupport.IdempotencyMetadataKey] = idempotencyKey },
            cancellationToken: cancellationToken);
        return servers.Where(s => s.Status is not ("DELETED" or "SOFT_DELETED") && s.TaskState != "deleting").OrderBy(s => s.Created).FirstOrDefault();
    }

    private StepResult Evaluate(Server server, StepContext context)
    {
        switch (server.Status)
        {
            case "ACTIVE":
                context.Log.WriteLine($"Server {server.Name} ({server.Id}) is ACTIVE{(server.FixedIp is { } ip ? $" at {ip}" : string.Empty)}.");
                return Completed(new NovaServerCreateOutputs(server.Id, server.Name, server.Status, server.FixedIp));
            case "ERROR":
                var fault = server.Fault?.Message ?? "Nova reported no fault message";
                context.Log.WriteLine($"Server {server.Name} ({server.Id}) went to ERROR: {fault}");
                return StepResult.Failed("nova.fault", $"Server {server.Name} ({server.Id}) went to ERROR: {fault}", retryable: false);
            default:
                var progress = $"{server.Status}{(server.Progress is { } p ? $" {p}%" : string.Empty)}";
                context.Log.WriteLine($"Server {server.Name} ({server.Id}): {progress}");
                return ActionSupport.Pending(options.Value, context.PollCount, progress, new ServerState(server.Id));
        }
    }

    private static Abstractions.Actions.ResourceRecord Record(string id, string name, string cloud, string? image, string? flavor)
    {
        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        if (image is not null)
        {
            properties["image"] = image;
        }

        if (flavor is not null)
        {
            properties["flavor"] = flavor;
        }

        return new(ResourceKinds.Server, id, name, cloud, properties);
    }
}
