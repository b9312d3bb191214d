using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Secrets;
using Workflows.OpenStack.ContainerInfra;
using Workflows.OpenStack.ContainerInfra.Responses;

namespace Workflows.OpenStack.Actions;

/// <summary>Inputs of <c>magnum.cluster.credentials</c>.</summary>
public sealed class MagnumClusterCredentialsInputs
{
    /// <summary>Gets or sets the cloud name.</summary>
    public string? Cloud { get; set; }

    /// <summary>Gets or sets the cluster name or uuid.</summary>
    public string Cluster { get; set; } = string.Empty;
}

/// <summary>Outputs of <c>magnum.cluster.credentials</c>: what the Docker actions take (Swarm) or a kubeconfig (Kubernetes).</summary>
public sealed class MagnumClusterCredentialsOutputs
{
    /// <summary>Gets the COE.</summary>
    public required string Coe { get; init; }

    /// <summary>Gets the API address.</summary>
    public required string ApiAddress { get; init; }

    /// <summary>Gets the Docker endpoint (Swarm), e.g. <c>tcp://172.24.4.10:2376</c>.</summary>
    public string? DockerHost { get; init; }

    /// <summary>Gets the cluster CA (PEM); null when TLS is disabled.</summary>
    public string? CaCert { get; init; }

    /// <summary>Gets the client certificate (PEM).</summary>
    public string? ClientCert { get; init; }

    /// <summary>Gets the client private key (PEM).</summary>
    public Secret? ClientKey { get; init; }

    /// <summary>Gets the kubeconfig (Kubernetes).</summary>
    public Secret? Kubeconfig { get; init; }
}

/// <summary>
/// Returns a cluster's endpoint and fresh TLS client material signed by the cluster CA, as
/// <c>openstack coe cluster config</c> does: Docker host + PEMs for Swarm, a kubeconfig for Kubernetes.
/// </summary>
public sealed class MagnumClusterCredentialsAction(IOpenStackClientFactory clients) : StepAction<MagnumClusterCredentialsInputs, MagnumClusterCredentialsOutputs>, IPlannableAction<MagnumClusterCredentialsInputs>
{
    /// <inheritdoc />
    /// <remarks>
    /// Reads the cluster when it is known already (it exists and is complete, with an API address). Issuing the
    /// credentials has Magnum sign a client certificate: nothing is stored in the cloud, so the plan changes nothing.
    /// </remarks>
    public async Task<StepPlan> PlanAsync(MagnumClusterCredentialsInputs inputs, PlanContext context)
    {
        var plan = new StepPlanBuilder();
        if (context.WhenKnown("cluster") is { } when)
        {
            plan.Deferred("cluster", $"the cluster is {when}");
            return plan.Build(PlanAction.NoChange, $"issue TLS client credentials for the cluster ({when}); Magnum signs a certificate, nothing is stored");
        }

        if (string.IsNullOrWhiteSpace(inputs.Cluster))
        {
            plan.Error("cluster", "with.cluster", "magnum.cluster.credentials needs a 'cluster'.");
            return plan.Build(PlanAction.Unknown, "issue TLS client credentials");
        }

        if (PlanSupport.Connect(clients, inputs.Cloud, context, plan) is { } os)
        {
            try
            {
                if (await os.ContainerInfra.TryGetClusterAsync(inputs.Cluster, context.CancellationToken) is not { } cluster)
                {
                    plan.Error("cluster", "with.cluster", $"cluster '{inputs.Cluster}' does not exist in cloud {os.Cloud.Name}");
                }
                else if (cluster.Status is "CREATE_COMPLETE" or "UPDATE_COMPLETE" && cluster.ApiAddress is not null)
                {
                    plan.Passed("cluster", $"{cluster.Name} ({cluster.Uuid}) is {cluster.Status}, API at {cluster.ApiAddress}");
                }
                else
                {
                    plan.Warning("cluster", "with.cluster", $"cluster {cluster.Name} ({cluster.Uuid}) is {cluster.Status}: credentials need a completed cluster, the step retries until it is");
                }
            }
            catch (OpenStackException e)
            {
                plan.Error("cloud", "with.cloud", $"cloud {os.Cloud.Name} could not be read: {e.Message}");
            }
        }

        return plan.Build(PlanAction.NoChange, $"issue TLS client credentials for cluster {inputs.Cluster}; Magnum signs a certificate, nothing is stored");
    }

    /// <inheritdoc />
    protected override async Task<StepResult> ExecuteAsync(MagnumClusterCredentialsInputs inputs, StepContext context)
    {
        if (string.IsNullOrWhiteSpace(inputs.Cluster))
        {
            return StepResult.Failed("inputs.invalid", "magnum.cluster.credentials needs a 'cluster'.", retryable: false);
        }

        var ct = context.CancellationToken;
        try
        {
            var magnum = clients.Connect(inputs.Cloud, context.Audit).ContainerInfra;
            var cluster = await magnum.GetClusterAsync(inputs.Cluster, ct);
            if (!cluster.Status.EndsWith("_COMPLETE", StringComparison.Ordinal) || cluster.ApiAddress is null)
            {
                return StepResult.Failed("magnum.cluster_not_ready", $"Cluster {cluster.Name} is {cluster.Status}; credentials need a completed cluster with an API address.", retryable: true);
            }

            var template = cluster.ClusterTemplateId is { } tid ? await magnum.TryGetClusterTemplateAsync(tid, ct) : null;
            var coe = template?.Coe ?? (cluster.ApiAddress.StartsWith("tcp://", StringComparison.Ordinal) ? "swarm" : "kubernetes");
            var swarm = coe is "swarm" or "swarm-mode";
            if (template?.TlsDisabled == true)
            {
                return Completed(new MagnumClusterCredentialsOutputs { Coe = coe, ApiAddress = cluster.ApiAddress, DockerHost = swarm ? cluster.ApiAddress : null });
            }

            var tls = await magnum.CreateClientCredentialsAsync(cluster.Uuid, "admin", ct);
            context.Log.WriteLine($"Issued a client certificate for cluster {cluster.Name} ({cluster.Uuid}) signed by its CA.");
            return Completed(new MagnumClusterCredentialsOutputs
            {
                Coe = coe,
                ApiAddress = cluster.ApiAddress,
                DockerHost = swarm ? cluster.ApiAddress : null,
                CaCert = tls.CaCertificatePem,
                ClientCert = tls.ClientCertificatePem,
                ClientKey = tls.ClientKeyPem,
                Kubeconfig = swarm ? null : new Secret(ContainerInfra.Kubeconfig.Build(cluster.Name, cluster.ApiAddress, tls)),
            });
        }
        catch (OpenStackException ex)
        {
            return ActionSupport.Fail(ex);
        }
    }
}
