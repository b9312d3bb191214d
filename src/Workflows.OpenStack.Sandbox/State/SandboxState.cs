using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Workflows.OpenStack.Sandbox.State;

/// <summary>
/// The sandbox's cloud: seeded like a fresh DevStack, or restored from what a <see cref="ISandboxStore"/> saved.
/// Every access happens under <see cref="Gate"/>.
/// </summary>
internal sealed class SandboxState : ISandboxStatePart
{
    private static readonly JsonSerializerOptions SnapshotJson = new(JsonSerializerDefaults.Web) { Converters = { new CertificateWithKeyConverter() } };

    public SandboxState(SandboxOptions options, JsonNode? saved = null)
    {
        if (options.Kubernetes.TimeProvider == TimeProvider.System)
        {
            // The clusters' controllers follow the sandbox's clock unless told otherwise.
            options.Kubernetes.TimeProvider = options.TimeProvider;
        }

        KubernetesClusters = new Kubernetes.KubernetesClusterApis(options.Kubernetes);
        Options = options;
        if (options.ClusterCaCertificatePem is { } caPem && options.ClusterCaKeyPem is { } keyPem)
        {
            SharedCa = X509Certificate2.CreateFromPem(caPem, keyPem);
        }

        if (saved is not null)
        {
            var snapshot = saved.Deserialize<Snapshot>(SnapshotJson) ?? throw new InvalidDataException("The saved sandbox state is empty.");
            Projects = snapshot.Projects;

            // The passwords are not saved: the seeded users take the configured one, as at a first start.
            Users = [.. snapshot.Users.Select(u => u with { Password = options.AdminPassword })];
            AdminProject = Projects.Single(p => p.Name == "admin");
            DemoProject = Projects.Single(p => p.Name == "demo");
            foreach (var token in snapshot.Tokens)
            {
                Tokens[token.Id] = token;
            }

            ApplicationCredentials.AddRange(snapshot.ApplicationCredentials);
            Images.AddRange(snapshot.Images);
            Flavors.AddRange(snapshot.Flavors);
            Keypairs.AddRange(snapshot.Keypairs);
            Networks.AddRange(snapshot.Networks);
            Public = Networks.Single(n => n.Id == snapshot.PublicNetworkId);
            Private = Networks.Single(n => n.Id == snapshot.PrivateNetworkId);
            Router = snapshot.Router;
            Ports.AddRange(snapshot.Ports);
            Servers.AddRange(snapshot.Servers);
            FloatingIps.AddRange(snapshot.FloatingIps);
            ClusterTemplates.AddRange(snapshot.ClusterTemplates);
            Clusters.AddRange(snapshot.Clusters);
            return;
        }

        var now = options.TimeProvider.GetUtcNow();
        AdminProject = new SandboxProject(NewHex(), "admin");
        DemoProject = new SandboxProject(NewHex(), "demo");
        Projects = [AdminProject, DemoProject];
        Users =
        [
            new SandboxUser(NewHex(), "admin", options.AdminPassword, AdminProject.Id),
            new SandboxUser(NewHex(), "demo", options.AdminPassword, DemoProject.Id),
        ];
        Images.Add(new SandboxImage(NewUuid(), "cirros", "qcow2", 21430272, null, now));
        Images.Add(new SandboxImage(NewUuid(), "fedora-coreos", "qcow2", 745537536, "fedora-coreos", now));
        Images.Add(new SandboxImage(NewUuid(), "fedora-atomic", "qcow2", 676020224, "fedora-atomic", now));
        Flavors.Add(new SandboxFlavor("1", "m1.tiny", 512, 1, 1));
        Flavors.Add(new SandboxFlavor("2", "m1.small", 2048, 20, 1));
        Flavors.Add(new SandboxFlavor("3", "m1.medium", 4096, 40, 2));
        Public = new SandboxNetwork { Id = NewUuid(), Name = "public", External = true, SubnetId = NewUuid(), SubnetName = "public-subnet", CidrPrefix = "172.24.4.", PrefixLength = 24, ProjectId = AdminProject.Id, CreatedAt = now };
        Private = new SandboxNetwork { Id = NewUuid(), Name = "private", External = false, SubnetId = NewUuid(), SubnetName = "private-subnet", CidrPrefix = "10.0.0.", PrefixLength = 26, ProjectId = AdminProject.Id, CreatedAt = now };
        Networks.Add(Public);
        Networks.Add(Private);
        Router = new SandboxRouter { Id = NewUuid(), Name = "router1", ExternalNetworkId = Public.Id, ProjectId = AdminProject.Id, SubnetIds = [Private.SubnetId] };
    }

    /// <inheritdoc />
    public string Name => "openstack";

    public Lock Gate { get; } = new();

    public SandboxOptions Options { get; }

    public DateTimeOffset Now => Options.TimeProvider.GetUtcNow();

    public SandboxProject AdminProject { get; }

    public SandboxProject DemoProject { get; }

    public List<SandboxProject> Projects { get; }

    public List<SandboxUser> Users { get; }

    public Dictionary<string, SandboxToken> Tokens { get; } = new(StringComparer.Ordinal);

    public List<SandboxApplicationCredential> ApplicationCredentials { get; } = [];

    public List<SandboxImage> Images { get; } = [];

    public List<SandboxFlavor> Flavors { get; } = [];

    /// <summary>Gets the requests answered (not persisted).</summary>
    public SandboxRequestLog Requests { get; } = new();

    public List<SandboxKeypair> Keypairs { get; } = [];

    public List<SandboxNetwork> Networks { get; } = [];

    public SandboxNetwork Public { get; }

    public SandboxNetwork Private { get; }

    public SandboxRouter Router { get; }

    public List<SandboxPort> Ports { get; } = [];

    public List<SandboxServer> Servers { get; } = [];

    public List<SandboxFloatingIp> FloatingIps { get; } = [];

    public List<SandboxClusterTemplate> ClusterTemplates { get; } = [];

    public List<SandboxCluster> Clusters { get; } = [];

    public X509Certificate2? SharedCa { get; }

    /// <summary>Gets or sets where changes are saved, or null to keep the state in memory only.</summary>
    public SandboxPersistence? Persistence { get; set; }

    /// <inheritdoc />
    public JsonNode Capture()
    {
        var now = Now;
        return JsonSerializer.SerializeToNode(
            new Snapshot
            {
                Projects = Projects,
                Users = Users,
                Tokens = [.. Tokens.Values.Where(t => t.ExpiresAt > now)],
                ApplicationCredentials = ApplicationCredentials,
                Images = Images,
                Flavors = Flavors,
                Keypairs = Keypairs,
                Networks = Networks,
                PublicNetworkId = Public.Id,
                PrivateNetworkId = Private.Id,
                Router = Router,
                Ports = Ports,
                Servers = Servers,
                FloatingIps = FloatingIps,
                ClusterTemplates = ClusterTemplates,
                Clusters = Clusters,
            },
            SnapshotJson)!;
    }

    /// <summary>Gets the Kubernetes API servers of the <c>kubernetes</c> clusters.</summary>
    public Kubernetes.KubernetesClusterApis KubernetesClusters { get; private set; } = null!;

    public static string NewUuid() => Guid.NewGuid().ToString();

    public static string NewHex() => Guid.NewGuid().ToString("N");

    public static string NewRequestId() => "req-" + Guid.NewGuid();

    public static string NewMac()
    {
        Span<byte> b = stackalloc byte[3];
        RandomNumberGenerator.Fill(b);
        return $"fa:16:3e:{b[0]:x2}:{b[1]:x2}:{b[2]:x2}";
    }

    public static bool Matches(string? pattern, string name) =>
        !string.IsNullOrEmpty(pattern) && Regex.IsMatch(name, pattern, RegexOptions.None, TimeSpan.FromSeconds(1));

    /// <summary>Removes what finished deleting. Called under the gate before each request is served.</summary>
    public void Sweep()
    {
        var now = Now;
        foreach (var server in Servers.Where(s => s.DeleteRequestedAt is { } d && now >= d + Options.ServerDeleteDelay).ToList())
        {
            Servers.Remove(server);
            foreach (var fip in FloatingIps.Where(f => f.PortId is { } p && server.PortIds.Contains(p)))
            {
                fip.PortId = null;
                fip.FixedIpAddress = null;
                fip.UpdatedAt = now;
                fip.Revision++;
            }

            Ports.RemoveAll(p => server.PortIds.Contains(p.Id));
        }

        Clusters.RemoveAll(c => c.DeleteRequestedAt is { } d && now >= d + Options.ClusterUpdateDelay);
    }

    public (string Status, int Progress) ServerStatus(SandboxServer server)
    {
        var now = Now;
        if (server.DeleteRequestedAt is not null)
        {
            return ("ACTIVE", 100);
        }

        var ready = server.CreatedAt + Options.ServerBuildDelay;
        if (now < ready)
        {
            var total = Options.ServerBuildDelay.TotalMilliseconds;
            var progress = total <= 0 ? 0 : (int)Math.Clamp((now - server.CreatedAt).TotalMilliseconds * 100 / total, 0, 99);
            return ("BUILD", progress);
        }

        return server.WillFail ? ("ERROR", 0) : ("ACTIVE", 100);
    }

    public DateTimeOffset ServerReadyAt(SandboxServer server) => server.CreatedAt + Options.ServerBuildDelay;

    public (string Status, string? Reason) ClusterStatus(SandboxCluster cluster)
    {
        var now = Now;
        if (cluster.DeleteRequestedAt is not null)
        {
            return ("DELETE_IN_PROGRESS", null);
        }

        if (cluster.FailureReason is { } failure)
        {
            return ("CREATE_FAILED", failure);
        }

        if (now < cluster.CreatedAt + Options.ClusterCreateDelay)
        {
            return ("CREATE_IN_PROGRESS", "Stack CREATE started");
        }

        if (cluster.WillFail)
        {
            return ("CREATE_FAILED", "Resource CREATE failed: ResourceInError: resources.kube_masters.resources[0].resources.kube-master: Went to status ERROR due to \"Message: No valid host was found. There are not enough hosts available., Code: 500\"");
        }

        if (cluster.UpdateRequestedAt is { } u)
        {
            return now < u + Options.ClusterUpdateDelay ? ("UPDATE_IN_PROGRESS", "Stack UPDATE started") : ("UPDATE_COMPLETE", "Stack UPDATE completed successfully");
        }

        return ("CREATE_COMPLETE", "Stack CREATE completed successfully");
    }

    public X509Certificate2 NewClusterCa(string clusterName)
    {
        if (SharedCa is not null)
        {
            return SharedCa;
        }

        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={clusterName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        var now = Now;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(5));
    }

    public SandboxServer? FindServer(string id) => Servers.Find(s => s.Id == id);

    public SandboxNetwork? FindNetwork(string idOrName) => Networks.Find(n => n.Id == idOrName);
}

/// <summary>The saved form of <see cref="SandboxState"/> (the part <c>openstack</c>).</summary>
internal sealed class Snapshot
{
    public required List<SandboxProject> Projects { get; init; }

    public required List<SandboxUser> Users { get; init; }

    public required List<SandboxToken> Tokens { get; init; }

    public required List<SandboxApplicationCredential> ApplicationCredentials { get; init; }

    public required List<SandboxImage> Images { get; init; }

    public required List<SandboxFlavor> Flavors { get; init; }

    public required List<SandboxKeypair> Keypairs { get; init; }

    public required List<SandboxNetwork> Networks { get; init; }

    public required string PublicNetworkId { get; init; }

    public required string PrivateNetworkId { get; init; }

    public required SandboxRouter Router { get; init; }

    public required List<SandboxPort> Ports { get; init; }

    public required List<SandboxServer> Servers { get; init; }

    public required List<SandboxFloatingIp> FloatingIps { get; init; }

    public required List<SandboxClusterTemplate> ClusterTemplates { get; init; }

    public required List<SandboxCluster> Clusters { get; init; }
}

/// <summary>Saves a cluster CA as its certificate and private key in PEM, so certificates signed after a restart chain to the same CA.</summary>
internal sealed class CertificateWithKeyConverter : JsonConverter<X509Certificate2>
{
    public override X509Certificate2 Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var o = JsonNode.Parse(ref reader) as JsonObject ?? throw new JsonException("A certificate must be an object with 'certificate' and 'key'.");
        var certificate = (string?)o["certificate"] ?? throw new JsonException("A certificate needs 'certificate'.");
        return (string?)o["key"] is { } key ? X509Certificate2.CreateFromPem(certificate, key) : X509Certificate2.CreateFromPem(certificate);
    }

    public override void Write(Utf8JsonWriter writer, X509Certificate2 value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("certificate", value.ExportCertificatePem());
        using var key = value.GetRSAPrivateKey();
        if (key is not null)
        {
            writer.WriteString("key", key.ExportPkcs8PrivateKeyPem());
        }

        writer.WriteEndObject();
    }
}
