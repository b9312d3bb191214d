using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Workflows.Abstractions.Actions;

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

    /// <summary>The delay before the next poll: the configured interval growing 1.5× per poll up to the maximum.</summary>
    public static TimeSpan PollDelay(OpenStackOptions options, int pollCount)
    {
        var ms = options.PollInterval.TotalMilliseconds * Math.Pow(1.5, Math.Min(pollCount, 20));
        return TimeSpan.FromMilliseconds(Math.Min(ms, options.MaxPollInterval.TotalMilliseconds));
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
