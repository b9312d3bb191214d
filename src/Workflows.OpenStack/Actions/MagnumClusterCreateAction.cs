using Microsoft.Extensions.Options;
using Workflows.Abstractions.Actions;
using Workflows.OpenStack.ContainerInfra.Requests;
using Workflows.OpenStack.ContainerInfra.Responses;

namespace Workflows.OpenStack.Actions;

/// <summary>Inputs of <c>magnum.cluster.create</c>.</summary>
public sealed class MagnumClusterCreateInputs
{
    /// <summary>Gets or sets the cloud name.</summary>
    public string? Cloud { get; set; }

    /// <summary>Gets or sets the cluster name.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>
    /// Gets or sets the template name (created from the fields below when missing; an existing one must have the same COE).
    /// Default is null or empty: <c>{coe}-{image}</c>, e.g. <c>kubernetes-fedora-coreos</c>.
    /// </summary>
    public string? Template { get; set; }

    /// <summary>
    /// Gets or sets the COE: <c>kubernetes</c> or <c>swarm-mode</c> (Magnum also knows <c>swarm</c> and <c>mesos</c>).
    /// Default is <c>kubernetes</c>.
    /// </summary>
    public string Coe { get; set; } = "kubernetes";

    /// <summary>
    /// Gets or sets the image of a created template; its <c>os_distro</c> picks Magnum's driver and must fit the COE.
    /// Default is null or empty: <c>fedora-coreos</c> for kubernetes, <c>fedora-atomic</c> for swarm and swarm-mode (Magnum 15's drivers).
    /// </summary>
    public string? Image { get; set; }

    /// <summary>Gets or sets the external network of a created template. Default is <c>public</c>.</summary>
    public string ExternalNetwork { get; set; } = "public";

    /// <summary>Gets or sets the node flavor of a created template. Default is <c>m1.small</c>.</summary>
    public string Flavor { get; set; } = "m1.small";

    /// <summary>Gets or sets the master flavor of a created template. Default is <c>m1.small</c>.</summary>
    public string MasterFlavor { get; set; } = "m1.small";

    /// <summary>Gets or sets the network driver of a created template. Default is null (Magnum's default for the COE).</summary>
    public string? NetworkDriver { get; set; }

    /// <summary>
    /// Gets or sets the Docker volume size in GB, sent on cluster create only when above 0 (it needs Cinder: Magnum
    /// fails the cluster on a cloud without a block-storage endpoint). Default is null: no docker volume (0 means the same).
    /// </summary>
    public int? DockerVolumeSize { get; set; }

    /// <summary>Gets or sets the key pair. Default is null.</summary>
    public string? Keypair { get; set; }

    /// <summary>Gets or sets the master count. Default is 1.</summary>
    public int MasterCount { get; set; } = 1;

    /// <summary>Gets or sets the node count. Default is 1.</summary>
    public int NodeCount { get; set; } = 1;

    /// <summary>Gets or sets extra labels (merged with the template's).</summary>
    public Dictionary<string, string>? Labels { get; set; }

    /// <summary>Gets or sets Heat's create timeout in minutes. Default is 60.</summary>
    public int CreateTimeout { get; set; } = 60;

    /// <summary>Gets the image: <see cref="Image"/>, or the one Magnum 15 has a driver for with <see cref="Coe"/>.</summary>
    internal string ImageOrDefault => string.IsNullOrWhiteSpace(Image) ? DefaultImage(Coe) : Image;

    /// <summary>Gets the template name: <see cref="Template"/>, or <c>{coe}-{image}</c>.</summary>
    internal string TemplateOrDefault => string.IsNullOrWhiteSpace(Template) ? $"{Coe}-{ImageOrDefault}" : Template;

    /// <summary>Returns the image whose <c>os_distro</c> Magnum 15 (Zed) has a VM driver for with <paramref name="coe"/>.</summary>
    /// <param name="coe">The COE.</param>
    /// <returns><c>fedora-coreos</c> for kubernetes, <c>fedora-atomic</c> for swarm and swarm-mode, <c>ubuntu</c> for mesos.</returns>
    public static string DefaultImage(string coe) => coe switch
    {
        "swarm" or "swarm-mode" => "fedora-atomic",
        "mesos" => "ubuntu",
        _ => "fedora-coreos",
    };
}

/// <summary>Outputs of <c>magnum.cluster.create</c>.</summary>
/// <param name="Id">The cluster uuid.</param>
/// <param name="Name">The name.</param>
/// <param name="Status">CREATE_COMPLETE.</param>
/// <param name="ApiAddress">The API address.</param>
/// <param name="TemplateId">The template uuid.</param>
/// <param name="MasterAddresses">The masters' addresses.</param>
/// <param name="NodeAddresses">The nodes' addresses.</param>
public sealed record MagnumClusterCreateOutputs(string Id, string Name, string Status, string? ApiAddress, string? TemplateId, IReadOnlyList<string> MasterAddresses, IReadOnlyList<string> NodeAddresses);

/// <summary>
/// Ensures the template, creates the cluster (labelled with the step's key, so a retry adopts it) and
/// waits for CREATE_COMPLETE through durable polls; CREATE_FAILED fails with Magnum's status_reason.
/// </summary>
public sealed class MagnumClusterCreateAction(IOpenStackClientFactory clients, IOptions<OpenStackOptions> options) : StepAction<MagnumClusterCreateInputs, MagnumClusterCreateOutputs>, IPlannableAction<MagnumClusterCreateInputs>
{
    /// <summary>
    /// The (os_distro, COE) pairs Magnum 15 (Zed) has a VM driver for, as its template create checks them
    /// (<c>enforce_driver_supported</c>; the sandbox refuses the same).
    /// </summary>
    internal static readonly IReadOnlyList<(string Os, string Coe)> Drivers =
    [
        ("fedora-coreos", "kubernetes"),
        ("fedora-atomic", "kubernetes"),
        ("coreos", "kubernetes"),
        ("fedora-atomic", "swarm"),
        ("fedora-atomic", "swarm-mode"),
        ("ubuntu", "mesos"),
    ];

    /// <inheritdoc />
    /// <remarks>
    /// Reads: the clusters (the name is free, or taken by this step's cluster: adopted), the template (found, with
    /// the same COE; or to be created: its image exists and its <c>os_distro</c> has a driver for the COE, the
    /// flavors exist, the external network is external), and the catalog for a block-storage endpoint when a docker
    /// volume is asked. Cannot know in advance: Heat's own failures (quota of the stack's resources, scheduling), the
    /// cluster's addresses.
    /// </remarks>
    public async Task<StepPlan> PlanAsync(MagnumClusterCreateInputs inputs, PlanContext context)
    {
        var plan = new StepPlanBuilder();
        var ct = context.CancellationToken;
        var name = PlanSupport.Text(context, "name", inputs.Name);
        if (context.IsKnown("name") && string.IsNullOrWhiteSpace(inputs.Name))
        {
            plan.Error("name", "with.name", "magnum.cluster.create needs a 'name'.");
        }

        var coeKnown = context.IsKnown("coe");
        if (coeKnown && inputs.Coe is not ("kubernetes" or "swarm-mode" or "swarm" or "mesos"))
        {
            plan.Error("coe", "with.coe", $"'{inputs.Coe}' is not a COE Magnum knows: kubernetes, swarm-mode, swarm or mesos");
        }

        if (inputs.DockerVolumeSize is < 0)
        {
            plan.Error("dockerVolumeSize", "with.dockerVolumeSize", $"{inputs.DockerVolumeSize} is not a size; give a size in GB, or 0 for no docker volume");
        }

        var templateName = context.IsKnown("template") && context.IsKnown("coe") && context.IsKnown("image") ? inputs.TemplateOrDefault : PlanSupport.Text(context, "template", inputs.Template);
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["coe"] = PlanSupport.Text(context, "coe", inputs.Coe),
            ["template"] = templateName,
            ["master_count"] = PlanSupport.Text(context, "masterCount", inputs.MasterCount.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ["node_count"] = PlanSupport.Text(context, "nodeCount", inputs.NodeCount.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ["docker_volume_size"] = inputs.DockerVolumeSize is > 0 ? $"{inputs.DockerVolumeSize} GB" : "none",
        };
        var os = PlanSupport.Connect(clients, inputs.Cloud, context, plan);
        if (os is null)
        {
            plan.Resource(ResourceKinds.Cluster, name, PlanAction.Create, attributes);
            return plan.Build(plan.HasErrors ? PlanAction.Unknown : PlanAction.Create, $"create cluster {name}");
        }

        var action = PlanAction.Create;
        try
        {
            var magnum = os.ContainerInfra;
            if (context.IsKnown("name") && !string.IsNullOrWhiteSpace(inputs.Name))
            {
                var sameName = (await magnum.ListClustersAsync(ct)).Where(c => c.Name == inputs.Name).ToList();
                Cluster? ours = null;
                if (context.IdempotencyKey is { } key)
                {
                    foreach (var candidate in sameName)
                    {
                        var detail = await magnum.TryGetClusterAsync(candidate.Uuid, ct);
                        if (detail?.Labels is { } labels && labels.TryGetValue(ActionSupport.IdempotencyMetadataKey, out var v) && v == ActionSupport.Tag(key))
                        {
                            ours = detail;
                        }
                    }
                }

                if (ours is not null)
                {
                    action = PlanAction.Adopt;
                    plan.Passed("name", $"cluster {ours.Name} ({ours.Uuid}, {ours.Status}) was created by this step: it is adopted");
                }
                else if (sameName.Count > 0)
                {
                    plan.Error("name", "with.name", $"a cluster named '{inputs.Name}' exists already ({sameName[0].Uuid}, {sameName[0].Status}) and was not created by this step; choose another name or delete it");
                }
                else
                {
                    plan.Passed("name", $"no cluster is named '{inputs.Name}'");
                }
            }

            if (action == PlanAction.Create && coeKnown && context.IsKnown("template") && context.IsKnown("image"))
            {
                var template = await magnum.TryGetClusterTemplateAsync(templateName, ct);
                if (template is not null)
                {
                    if (string.Equals(template.Coe, inputs.Coe, StringComparison.Ordinal))
                    {
                        plan.Passed("template", $"{template.Name} ({template.Uuid}) exists, COE {template.Coe}");
                    }
                    else
                    {
                        plan.Error("template", "with.template", $"cluster template '{template.Name}' ({template.Uuid}) is for COE {template.Coe}, not {inputs.Coe}: name another template or leave 'template' empty");
                    }
                }
                else
                {
                    plan.Resource(ResourceKinds.ClusterTemplate, templateName, PlanAction.Create, new Dictionary<string, string>(StringComparer.Ordinal)
                    {
                        ["coe"] = inputs.Coe,
                        ["image"] = inputs.ImageOrDefault,
                        ["flavor"] = inputs.Flavor,
                        ["master_flavor"] = inputs.MasterFlavor,
                        ["external_network"] = inputs.ExternalNetwork,
                    });
                    plan.Passed("template", $"'{templateName}' does not exist: it is created");
                    await CheckTemplateInputsAsync(os, inputs, plan, ct);
                }
            }

            if (inputs.DockerVolumeSize is > 0)
            {
                if (await os.Compute.CatalogHasAsync(["block-storage", "volumev3", "volumev2", "volume"], ct))
                {
                    plan.Passed("block-storage", $"the catalog has a block-storage endpoint for the {inputs.DockerVolumeSize} GB docker volume");
                }
                else
                {
                    plan.Error("block-storage", "with.dockerVolumeSize", $"cloud {os.Cloud.Name} has no block-storage (Cinder) endpoint: a docker volume of {inputs.DockerVolumeSize} GB fails the cluster; use 0 for none");
                }
            }
        }
        catch (OpenStackException e)
        {
            plan.Error("cloud", "with.cloud", $"cloud {os.Cloud.Name} could not be read: {e.Message}");
            action = PlanAction.Unknown;
        }

        plan.Resource(ResourceKinds.Cluster, name, action, attributes);
        return plan.Build(action, action == PlanAction.Adopt
            ? $"adopt cluster {name} created by an earlier attempt"
            : $"create {attributes["coe"]} cluster {name} from template {templateName} with {attributes["master_count"]} master(s) and {attributes["node_count"]} node(s)");
    }

    private static async Task CheckTemplateInputsAsync(OpenStackConnection os, MagnumClusterCreateInputs inputs, StepPlanBuilder plan, CancellationToken ct)
    {
        try
        {
            var image = await os.Image.FindImageAsync(inputs.ImageOrDefault, ct);
            if (image.OsDistro is null)
            {
                plan.Error("image", "with.image", $"image {image.Name} ({image.Id}) has no os_distro property: Magnum refuses it");
            }
            else if (!Drivers.Contains((image.OsDistro, inputs.Coe)))
            {
                plan.Error("image", "with.coe", $"Magnum has no driver for COE {inputs.Coe} on image {image.Name} (os_distro {image.OsDistro}); it accepts: {string.Join(", ", Drivers.Where(d => d.Coe == inputs.Coe).Select(d => d.Os))}");
            }
            else
            {
                plan.Passed("image", $"{image.Name} ({image.Id}), os_distro {image.OsDistro}: Magnum has a driver for {inputs.Coe}");
            }
        }
        catch (Exception e) when (e is OpenStackNotFoundException or OpenStackConflictException)
        {
            plan.Error("image", "with.image", ((OpenStackException)e).ApiMessage ?? e.Message);
        }

        foreach (var (field, flavor) in new[] { ("flavor", inputs.Flavor), ("masterFlavor", inputs.MasterFlavor) }.Distinct())
        {
            try
            {
                plan.Passed(field, PlanSupport.Describe(await os.Compute.FindFlavorAsync(flavor, ct)));
            }
            catch (OpenStackNotFoundException)
            {
                plan.Error(field, $"with.{field}", $"flavor '{flavor}' does not exist in cloud {os.Cloud.Name}");
            }
        }

        try
        {
            var external = await os.Network.FindNetworkAsync(inputs.ExternalNetwork, ct);
            if (external.External)
            {
                plan.Passed("externalNetwork", $"{external.Name} ({external.Id}) is external");
            }
            else
            {
                plan.Error("externalNetwork", "with.externalNetwork", $"network {external.Name} ({external.Id}) is not external");
            }
        }
        catch (Exception e) when (e is OpenStackNotFoundException or OpenStackConflictException)
        {
            plan.Error("externalNetwork", "with.externalNetwork", $"network '{inputs.ExternalNetwork}': {((OpenStackException)e).ApiMessage ?? e.Message}");
        }
    }

    /// <inheritdoc />
    protected override async Task<StepResult> ExecuteAsync(MagnumClusterCreateInputs inputs, StepContext context)
    {
        if (string.IsNullOrWhiteSpace(inputs.Name))
        {
            return StepResult.Failed("inputs.invalid", "magnum.cluster.create needs a 'name'.", retryable: false);
        }

        if (inputs.Coe is not ("kubernetes" or "swarm-mode" or "swarm" or "mesos"))
        {
            return StepResult.Failed("inputs.invalid", $"magnum.cluster.create: 'coe' is '{inputs.Coe}'; Magnum knows kubernetes, swarm-mode, swarm and mesos.", retryable: false);
        }

        if (inputs.DockerVolumeSize is < 0)
        {
            return StepResult.Failed("inputs.invalid", $"magnum.cluster.create: 'dockerVolumeSize' is {inputs.DockerVolumeSize}; give a size in GB, or 0 for no docker volume.", retryable: false);
        }

        var dockerVolumeSize = inputs.DockerVolumeSize is > 0 ? inputs.DockerVolumeSize : null;
        var templateName = inputs.TemplateOrDefault;
        var ct = context.CancellationToken;
        try
        {
            var os = clients.Connect(inputs.Cloud, context.Audit);
            var magnum = os.ContainerInfra;
            var tag = ActionSupport.Tag(context.IdempotencyKey);
            Cluster? cluster;
            if (context.GetState<ClusterState>() is { ClusterId: { } id })
            {
                try
                {
                    cluster = await magnum.TryGetClusterAsync(id, ct);
                }
                catch (OpenStackException ex) when (ex.StatusCode == System.Net.HttpStatusCode.BadRequest)
                {
                    // Magnum 15 (Zed) briefly answers GET with 400 "Invalid input for field/attribute
                    // master_count. Value: '0'" while the cluster's node groups are being written: poll again.
                    context.Log.WriteLine($"Cluster {id}: Magnum answered {ex.ApiMessage}; polling again.");
                    return ActionSupport.Pending(options.Value, context.PollCount, "CREATE_IN_PROGRESS", new ClusterState(id));
                }

                if (cluster is null)
                {
                    return StepResult.Failed("magnum.cluster_gone", $"Cluster {id} disappeared while it was being created.", retryable: true);
                }
            }
            else
            {
                var sameName = (await magnum.ListClustersAsync(ct)).Where(c => c.Name == inputs.Name).ToList();
                cluster = null;
                foreach (var candidate in sameName)
                {
                    var detail = await magnum.TryGetClusterAsync(candidate.Uuid, ct);
                    if (detail?.Labels is { } labels && labels.TryGetValue(ActionSupport.IdempotencyMetadataKey, out var v) && v == tag)
                    {
                        cluster = detail;
                        context.Log.WriteLine($"Adopting cluster {detail.Name} ({detail.Uuid}) created by an earlier execution of this step.");
                        break;
                    }
                }

                if (cluster is null)
                {
                    if (sameName.Count > 0)
                    {
                        return StepResult.Failed("magnum.name_taken", $"A cluster named '{inputs.Name}' already exists ({sameName[0].Uuid}) and was not created by this step.", retryable: false);
                    }

                    var template = await magnum.TryGetClusterTemplateAsync(templateName, ct);
                    if (template is null)
                    {
                        // No docker_volume_size on the template: a volume-backed template fails every cluster
                        // built from it on a cloud without Cinder; a volume asked for goes on this cluster only.
                        template = await magnum.CreateClusterTemplateAsync(
                            new CreateClusterTemplateRequest
                            {
                                Name = templateName,
                                Coe = inputs.Coe,
                                ImageId = inputs.ImageOrDefault,
                                ExternalNetworkId = inputs.ExternalNetwork,
                                FlavorId = inputs.Flavor,
                                MasterFlavorId = inputs.MasterFlavor,
                                NetworkDriver = inputs.NetworkDriver,
                            },
                            ct);
                        await context.Resources.RecordAsync(new ResourceRecord(ResourceKinds.ClusterTemplate, template.Uuid, template.Name, os.Cloud.Name), ct);
                        context.Log.WriteLine($"Created cluster template {template.Name} ({template.Uuid}, {template.Coe}, image {inputs.ImageOrDefault}).");
                    }
                    else if (!string.Equals(template.Coe, inputs.Coe, StringComparison.Ordinal))
                    {
                        return StepResult.Failed("inputs.invalid", $"Cluster template '{template.Name}' ({template.Uuid}) is for COE {template.Coe}, not {inputs.Coe}: name another template or leave 'template' empty.", retryable: false);
                    }
                    else
                    {
                        context.Log.WriteLine($"Using cluster template {template.Name} ({template.Uuid}, {template.Coe}).");
                    }

                    var labels = new Dictionary<string, string>(inputs.Labels ?? [], StringComparer.Ordinal) { [ActionSupport.IdempotencyMetadataKey] = tag };
                    var uuid = await magnum.CreateClusterAsync(
                        new CreateClusterRequest
                        {
                            Name = inputs.Name,
                            ClusterTemplateId = template.Uuid,
                            MasterCount = inputs.MasterCount,
                            NodeCount = inputs.NodeCount,
                            DockerVolumeSize = dockerVolumeSize,
                            Keypair = inputs.Keypair,
                            CreateTimeout = inputs.CreateTimeout,
                            Labels = labels,
                            MergeLabels = true,
                        },
                        ct);
                    await context.Resources.RecordAsync(new ResourceRecord(ResourceKinds.Cluster, uuid, inputs.Name, os.Cloud.Name, new Dictionary<string, string> { ["template"] = template.Name, ["coe"] = template.Coe }), ct);
                    context.Log.WriteLine($"Magnum accepted cluster {inputs.Name} ({uuid}): {template.Coe}, {inputs.MasterCount} master(s), {inputs.NodeCount} node(s), {(dockerVolumeSize is { } gb ? $"{gb} GB docker volume" : "no docker volume")}.");
                    return ActionSupport.Pending(options.Value, 0, "CREATE_IN_PROGRESS", new ClusterState(uuid));
                }
            }

            return Evaluate(cluster, context);
        }
        catch (OpenStackException ex)
        {
            return ActionSupport.Fail(ex);
        }
    }

    private StepResult Evaluate(Cluster cluster, StepContext context)
    {
        if (cluster.Status is "CREATE_COMPLETE" or "UPDATE_COMPLETE")
        {
            context.Log.WriteLine($"Cluster {cluster.Name} ({cluster.Uuid}) is {cluster.Status}; API at {cluster.ApiAddress}.");
            return Completed(new MagnumClusterCreateOutputs(cluster.Uuid, cluster.Name, cluster.Status, cluster.ApiAddress, cluster.ClusterTemplateId, cluster.MasterAddresses ?? [], cluster.NodeAddresses ?? []));
        }

        if (cluster.Status.EndsWith("_FAILED", StringComparison.Ordinal))
        {
            var reason = cluster.StatusReason ?? "Magnum gave no reason";
            context.Log.WriteLine($"Cluster {cluster.Name} ({cluster.Uuid}) is {cluster.Status}: {reason}");
            return StepResult.Failed("magnum.cluster_failed", $"Cluster {cluster.Name} ({cluster.Uuid}) is {cluster.Status}: {reason}", retryable: false);
        }

        context.Log.WriteLine($"Cluster {cluster.Name} ({cluster.Uuid}): {cluster.Status}{(cluster.StatusReason is { } r ? $" ({r})" : string.Empty)}");
        return ActionSupport.Pending(options.Value, context.PollCount, cluster.Status, new ClusterState(cluster.Uuid));
    }
}
