using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Secrets;
using Workflows.OpenStack.Configuration;
using Workflows.OpenStack.ContainerInfra.Requests;
using Workflows.OpenStack.ContainerInfra.Responses;
using Workflows.OpenStack.Http;
using Workflows.OpenStack.Identity;

namespace Workflows.OpenStack.ContainerInfra;

/// <summary>Magnum v1 with an explicit microversion: cluster templates, clusters, certificates.</summary>
public sealed class ContainerInfraClient(HttpClient http, TokenProvider tokens, CloudDefinition cloud, string defaultInterface, string microversion, IStepAudit? audit)
    : OpenStackServiceClient(http, tokens, cloud, "container-infra", defaultInterface, audit)
{
    /// <summary>Gets the microversion sent with every call.</summary>
    public string Microversion { get; } = microversion;

    /// <summary>Gets a template by name or uuid, or null when there is none.</summary>
    public async Task<ClusterTemplate?> TryGetClusterTemplateAsync(string nameOrUuid, CancellationToken cancellationToken = default)
    {
        try
        {
            return await SendAsync<ClusterTemplate>(HttpMethod.Get, $"clustertemplates/{Segment(nameOrUuid)}", null, cancellationToken);
        }
        catch (OpenStackNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Creates a template.</summary>
    public Task<ClusterTemplate> CreateClusterTemplateAsync(CreateClusterTemplateRequest request, CancellationToken cancellationToken = default) =>
        SendAsync<ClusterTemplate>(HttpMethod.Post, "clustertemplates", request, cancellationToken);

    /// <summary>Deletes a template; returns false when it did not exist.</summary>
    /// <exception cref="OpenStackException">400 while clusters still use it ("is referenced by one or multiple clusters").</exception>
    public async Task<bool> DeleteClusterTemplateAsync(string nameOrUuid, CancellationToken cancellationToken = default)
    {
        try
        {
            await SendAsync(HttpMethod.Delete, $"clustertemplates/{Segment(nameOrUuid)}", null, cancellationToken);
            return true;
        }
        catch (OpenStackNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Starts creating a cluster (202) and returns its uuid.</summary>
    public async Task<string> CreateClusterAsync(CreateClusterRequest request, CancellationToken cancellationToken = default) =>
        (await SendAsync<UuidEnvelope>(HttpMethod.Post, "clusters", request, cancellationToken)).Uuid;

    /// <summary>Gets a cluster by name or uuid.</summary>
    /// <exception cref="OpenStackNotFoundException">No such cluster.</exception>
    public async Task<Cluster> GetClusterAsync(string nameOrUuid, CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await SendAsync<Cluster>(HttpMethod.Get, $"clusters/{Segment(nameOrUuid)}", null, cancellationToken);
            }
            catch (OpenStackException ex) when (attempt < 6 && ex.StatusCode == System.Net.HttpStatusCode.BadRequest
                && ex.ApiMessage?.Contains("master_count", StringComparison.Ordinal) == true)
            {
                // Magnum 15 (Zed) briefly answers 400 "master_count. Value: '0'" on any GET of a cluster whose
                // node groups are still being written (seen on the real peer): it clears within seconds.
                await Task.Delay(TimeSpan.FromSeconds(attempt), cancellationToken);
            }
        }
    }

    /// <summary>Gets a cluster, or null when it does not exist.</summary>
    public async Task<Cluster?> TryGetClusterAsync(string nameOrUuid, CancellationToken cancellationToken = default)
    {
        try
        {
            return await GetClusterAsync(nameOrUuid, cancellationToken);
        }
        catch (OpenStackNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Lists clusters (summaries: no addresses).</summary>
    public async Task<IReadOnlyList<Cluster>> ListClustersAsync(CancellationToken cancellationToken = default) =>
        (await SendAsync<ClustersEnvelope>(HttpMethod.Get, "clusters", null, cancellationToken)).Clusters;

    /// <summary>Starts deleting a cluster; returns false when it did not exist.</summary>
    public async Task<bool> DeleteClusterAsync(string nameOrUuid, CancellationToken cancellationToken = default)
    {
        try
        {
            await SendAsync(HttpMethod.Delete, $"clusters/{Segment(nameOrUuid)}", null, cancellationToken);
            return true;
        }
        catch (OpenStackNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Resizes a cluster's default worker group (microversion 1.7+).</summary>
    public async Task<string> ResizeClusterAsync(string uuid, int nodeCount, CancellationToken cancellationToken = default) =>
        (await SendAsync<UuidEnvelope>(HttpMethod.Post, $"clusters/{Segment(uuid)}/actions/resize", new JsonObject { ["node_count"] = nodeCount }, cancellationToken)).Uuid;

    /// <summary>Gets the cluster's CA certificate (PEM).</summary>
    public async Task<string> GetCaCertificateAsync(string clusterUuid, CancellationToken cancellationToken = default) =>
        (await SendAsync<Certificate>(HttpMethod.Get, $"certificates/{Segment(clusterUuid)}", null, cancellationToken)).Pem;

    /// <summary>Has the cluster's CA sign a CSR (PEM) and returns the certificate (PEM).</summary>
    public async Task<string> SignCertificateAsync(string clusterUuid, string csrPem, CancellationToken cancellationToken = default) =>
        (await SendAsync<Certificate>(HttpMethod.Post, "certificates", new JsonObject { ["cluster_uuid"] = clusterUuid, ["csr"] = csrPem }, cancellationToken)).Pem;

    /// <summary>
    /// Creates client TLS material for a cluster the way <c>openstack coe cluster config</c> does:
    /// a fresh RSA key, a CSR (CN=<paramref name="commonName"/>, clientAuth) signed by the cluster CA.
    /// </summary>
    public async Task<ClusterTlsCredentials> CreateClientCredentialsAsync(string clusterUuid, string commonName = "admin", CancellationToken cancellationToken = default)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        var csr = request.CreateSigningRequestPem();
        var ca = await GetCaCertificateAsync(clusterUuid, cancellationToken);
        var cert = await SignCertificateAsync(clusterUuid, csr, cancellationToken);
        return new ClusterTlsCredentials(ca, cert, new Secret(key.ExportRSAPrivateKeyPem()));
    }

    /// <inheritdoc />
    protected override void AddHeaders(HttpRequestMessage request) =>
        request.Headers.TryAddWithoutValidation("OpenStack-API-Version", "container-infra " + Microversion);

    private sealed record UuidEnvelope(string Uuid);

    private sealed record ClustersEnvelope(List<Cluster> Clusters);
}

/// <summary>TLS material to reach a cluster's API (Docker or Kubernetes).</summary>
/// <param name="CaCertificatePem">The cluster CA (PEM).</param>
/// <param name="ClientCertificatePem">The client certificate (PEM).</param>
/// <param name="ClientKeyPem">The client private key (PEM).</param>
public sealed record ClusterTlsCredentials(string CaCertificatePem, string ClientCertificatePem, Secret ClientKeyPem);
