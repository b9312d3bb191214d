namespace Workflows.OpenStack.Sandbox;

/// <summary>Behaviour of the OpenStack API sandbox: credentials, delays of asynchronous state changes, quotas and faults.</summary>
public sealed class SandboxOptions
{
    /// <summary>Gets or sets the password of the users <c>admin</c> and <c>demo</c>. Default is <c>sandbox-secret</c>.</summary>
    public string AdminPassword { get; set; } = "sandbox-secret";

    /// <summary>Gets or sets the region of every endpoint. Default is <c>RegionOne</c>.</summary>
    public string Region { get; set; } = "RegionOne";

    /// <summary>Gets or sets how long an issued token is valid. Default is 1 hour.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Gets or sets how long a new server stays in BUILD before it becomes ACTIVE (or ERROR). Default is 3 seconds.</summary>
    public TimeSpan ServerBuildDelay { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Gets or sets how long a deleted server stays visible (task_state deleting). Default is 1 second.</summary>
    public TimeSpan ServerDeleteDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how long a cluster stays in CREATE_IN_PROGRESS. Default is 5 seconds.</summary>
    public TimeSpan ClusterCreateDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets how long a cluster stays in DELETE_IN_PROGRESS or UPDATE_IN_PROGRESS. Default is 2 seconds.</summary>
    public TimeSpan ClusterUpdateDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Gets or sets the floating IP quota of each project. Default is 50.</summary>
    public int FloatingIpQuota { get; set; } = 50;

    /// <summary>
    /// Gets or sets how many addresses the allocation pool of an external network holds, to run out of floating IPs on
    /// purpose. Default is null: the whole pool of its subnet (253 addresses of a /24).
    /// </summary>
    public int? ExternalPoolSize { get; set; }

    /// <summary>Gets or sets the instance quota of each project. Default is 20.</summary>
    public int InstanceQuota { get; set; } = 20;

    /// <summary>Gets or sets the vCPU quota of each project (Nova's <c>cores</c>). Default is 20, Nova's default.</summary>
    public int CoreQuota { get; set; } = 20;

    /// <summary>Gets or sets the RAM quota of each project in MB (Nova's <c>ram</c>). Default is 51200, Nova's default.</summary>
    public int RamQuota { get; set; } = 51200;

    /// <summary>Gets or sets a regular expression; servers whose name matches go to ERROR instead of ACTIVE. Default is <c>^fail-</c>.</summary>
    public string? ServerBuildFailurePattern { get; set; } = "^fail-";

    /// <summary>Gets or sets a regular expression; clusters whose name matches go to CREATE_FAILED. Default is <c>^fail-</c>.</summary>
    public string? ClusterFailurePattern { get; set; } = "^fail-";

    /// <summary>
    /// Gets or sets whether the catalog lists a block-storage (Cinder) endpoint. Default is false, like the shared
    /// OpenStack peer: a cluster that asks for a docker volume then goes CREATE_FAILED with Magnum's
    /// <c>publicURL endpoint for block-storage service in RegionOne region not found</c>.
    /// </summary>
    public bool BlockStorage { get; set; }

    /// <summary>
    /// Gets or sets the <c>api_address</c> reported for Swarm clusters, e.g. <c>tcp://127.0.0.1:2376</c>
    /// of a real local dockerd. Default is null: <c>tcp://{master floating IP}:2376</c>.
    /// </summary>
    public string? SwarmApiAddress { get; set; }

    /// <summary>
    /// Gets or sets a CA certificate (PEM) used for every cluster instead of a fresh one per cluster, so
    /// a real dockerd started with that CA accepts client certificates the sandbox signs. Default is null.
    /// </summary>
    public string? ClusterCaCertificatePem { get; set; }

    /// <summary>Gets or sets the private key (PEM) of <see cref="ClusterCaCertificatePem"/>. Default is null.</summary>
    public string? ClusterCaKeyPem { get; set; }

    /// <summary>
    /// Gets or sets the folder where the sandbox keeps its state (servers, ports, floating IPs, clusters, templates,
    /// certificates…) across restarts, in <c>sandbox-state.json</c>. Default is null: in memory only, lost at exit.
    /// </summary>
    public string? DataDirectory { get; set; }

    /// <summary>Gets or sets the store of the state; it wins over <see cref="DataDirectory"/>. Default is null.</summary>
    public State.ISandboxStore? Store { get; set; }

    /// <summary>Gets how the Kubernetes API of each <c>kubernetes</c> cluster behaves (pod readiness delay, clock: the sandbox's <see cref="TimeProvider"/> unless set).</summary>
    public Kubernetes.KubernetesSandboxOptions Kubernetes { get; } = new();

    /// <summary>Gets the faults to inject; the list may be changed while the sandbox runs.</summary>
    public FaultSet Faults { get; } = new();

    /// <summary>Gets or sets the clock. Default is <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}

/// <summary>A fault to inject into matching requests.</summary>
/// <param name="Service">The service: <c>identity</c>, <c>image</c>, <c>compute</c>, <c>network</c>, <c>container-infra</c>, or null for all.</param>
/// <param name="Method">The HTTP method, or null for all.</param>
/// <param name="PathContains">A fragment the path must contain (e.g. <c>/servers</c>), or null for all.</param>
/// <param name="StatusCode">The status to answer with, e.g. 503; 0 to only add latency.</param>
/// <param name="Count">How many matching requests fail before the rule is exhausted; null for unlimited.</param>
/// <param name="ErrorRate">The probability (0..1) that a matching request fails. Default is 1.</param>
/// <param name="Latency">Extra latency added before answering.</param>
/// <param name="RetryAfterSeconds">A Retry-After value to send with the error, if any.</param>
public sealed record FaultRule(
    string? Service = null,
    string? Method = null,
    string? PathContains = null,
    int StatusCode = 503,
    int? Count = null,
    double ErrorRate = 1.0,
    TimeSpan? Latency = null,
    int? RetryAfterSeconds = null);

/// <summary>The active fault rules; thread-safe.</summary>
public sealed class FaultSet
{
    private readonly Lock gate = new();
    private readonly List<(FaultRule Rule, int Hits)> rules = [];
    private readonly Random random = new(42);

    /// <summary>Adds a rule.</summary>
    public void Add(FaultRule rule)
    {
        lock (gate)
        {
            rules.Add((rule, 0));
        }
    }

    /// <summary>Removes every rule.</summary>
    public void Clear()
    {
        lock (gate)
        {
            rules.Clear();
        }
    }

    /// <summary>Gets how many requests the rules have failed so far.</summary>
    public int InjectedCount { get; private set; }

    /// <summary>Returns the rule to apply to a request, counting it, or null.</summary>
    internal FaultRule? Match(string service, string method, string path)
    {
        lock (gate)
        {
            for (var i = 0; i < rules.Count; i++)
            {
                var (rule, hits) = rules[i];
                if ((rule.Service is null || rule.Service == service)
                    && (rule.Method is null || string.Equals(rule.Method, method, StringComparison.OrdinalIgnoreCase))
                    && (rule.PathContains is null || path.Contains(rule.PathContains, StringComparison.Ordinal))
                    && (rule.Count is null || hits < rule.Count)
                    && (rule.ErrorRate >= 1.0 || random.NextDouble() < rule.ErrorRate))
                {
                    rules[i] = (rule, hits + 1);
                    if (rule.StatusCode != 0)
                    {
                        InjectedCount++;
                    }

                    return rule;
                }
            }

            return null;
        }
    }
}

/// <summary>A request the sandbox answered.</summary>
/// <param name="At">When it was answered.</param>
/// <param name="Method">The HTTP method.</param>
/// <param name="Path">The path, without the query.</param>
/// <param name="Status">The status code answered.</param>
/// <param name="RequestId">The <c>x-openstack-request-id</c> answered.</param>
public sealed record SandboxRequest(DateTimeOffset At, string Method, string Path, int Status, string RequestId);

/// <summary>The requests the sandbox answered, newest last; thread-safe, bounded to the last 10,000.</summary>
public sealed class SandboxRequestLog
{
    private const int Capacity = 10_000;
    private readonly Lock gate = new();
    private readonly LinkedList<SandboxRequest> requests = new();
    private long count;

    /// <summary>Gets how many requests were answered so far (use it as a mark: <see cref="Since"/>).</summary>
    public long Count
    {
        get
        {
            lock (gate)
            {
                return count;
            }
        }
    }

    /// <summary>Returns the requests answered after <paramref name="mark"/> (a former <see cref="Count"/>).</summary>
    public IReadOnlyList<SandboxRequest> Since(long mark)
    {
        lock (gate)
        {
            var take = (int)Math.Min(count - mark, requests.Count);
            return take <= 0 ? [] : requests.Skip(requests.Count - take).ToList();
        }
    }

    internal void Add(SandboxRequest request)
    {
        lock (gate)
        {
            requests.AddLast(request);
            count++;
            if (requests.Count > Capacity)
            {
                requests.RemoveFirst();
            }
        }
    }
}
