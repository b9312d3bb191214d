using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Definitions;

namespace Workflows.OpenStack.Actions;

/// <summary>What the OpenStack actions share: idempotency tags, poll backoff, error mapping.</summary>
internal static class ActionSupport
{
    /// <summary>The metadata key (Nova) or label (Magnum) carrying the step's idempotency key.</summary>
    public const string IdempotencyMetadataKey = "workflows_idempotency_key";

    /// <summary>
    /// A short, charset-safe form of the idempotency key for Nova tags (≤60 chars, no commas or
    /// slashes), Neutron descriptions and Magnum labels.
    /// </summary>
    public static string Tag(string idempotencyKey) =>
        "wf-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey)))[..32];

    /// <summary>
    /// Gets the default poll schedule of a Nova server's create and delete: a server is usually ACTIVE
    /// (or gone) a few seconds after Nova accepted the request, so 1 s doubling up to 10 s.
    /// </summary>
    public static PollSchedule ServerPoll { get; } = new(TimeSpan.FromSeconds(1), 2, TimeSpan.FromSeconds(10));

    /// <summary>
    /// Gets the default poll schedule of a Magnum cluster's create and delete: they take minutes, so
    /// 5 s growing 1.5× up to 15 s (CREATE_COMPLETE is noticed at most 15 s late).
    /// </summary>
    public static PollSchedule ClusterPoll { get; } = new(TimeSpan.FromSeconds(5), 1.5, TimeSpan.FromSeconds(15));

    /// <summary>
    /// Waits: on the step's poll schedule, or, when <see cref="OpenStackOptions.PollInterval"/> is set,
    /// on that interval growing 1.5× per poll up to <see cref="OpenStackOptions.MaxPollInterval"/>.
    /// </summary>
    /// <param name="options">The options.</param>
    /// <param name="pollCount">How many polls of this attempt came before.</param>
    /// <param name="progress">The progress text.</param>
    /// <param name="state">The state for the next poll.</param>
    public static PendingResult Pending(OpenStackOptions options, int pollCount, string progress, object state)
    {
        if (options.PollInterval is not { } interval)
        {
            return StepResult.Pending(progress, state);
        }

        var ms = interval.TotalMilliseconds * Math.Pow(1.5, Math.Min(pollCount, 20));
        return StepResult.Pending(TimeSpan.FromMilliseconds(Math.Min(ms, options.MaxPollInterval.TotalMilliseconds)), progress, state);
    }

    /// <summary>Maps a client exception to a step failure: transient ones are retryable.</summary>
    public static FailedResult Fail(OpenStackException ex) => ex switch
    {
        OpenStackQuotaExceededException => StepResult.Failed("openstack.quota", ex.Message, retryable: false),
        OpenStackConfigurationException => StepResult.Failed("openstack.config", ex.Message, retryable: false),
        OpenStackAuthenticationException => StepResult.Failed("openstack.auth", ex.Message, retryable: false),
        OpenStackNotFoundException => StepResult.Failed("openstack.not_found", ex.Message, retryable: false),
        OpenStackConflictException => StepResult.Failed("openstack.conflict", ex.Message, retryable: true),
        { StatusCode: null } => StepResult.Failed("openstack.unreachable", ex.Message, retryable: true),
        _ when ex.IsTransient => StepResult.Failed("openstack.unavailable", ex.Message, retryable: true),
        _ => StepResult.Failed("openstack.http", ex.Message, retryable: false),
    };

    /// <summary>Reads a string property of an optional JSON object (outputs or state of a compensated step).</summary>
    public static string? ReadString(JsonElement? element, string name)
    {
        if (element is not { ValueKind: JsonValueKind.Object } e)
        {
            return null;
        }

        foreach (var p in e.EnumerateObject())
        {
            if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase) && p.Value.ValueKind == JsonValueKind.String)
            {
                return p.Value.GetString();
            }
        }

        return null;
    }
}
