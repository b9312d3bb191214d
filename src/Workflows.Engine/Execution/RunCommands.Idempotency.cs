using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Workflows.Abstractions.Definitions;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Secrets;
using Workflows.Engine.Storage;

namespace Workflows.Engine.Execution;

/// <summary>
/// Idempotent starts (the semantics of the IETF draft "The Idempotency-Key HTTP Header Field"): the key is stored with
/// a fingerprint of the request in the transaction that creates the run; the same key and request answer that run,
/// the same key with another request is refused, and a key whose first request is still being answered is "in progress".
/// </summary>
public sealed partial class RunCommands
{
    /// <summary>The longest idempotency key accepted.</summary>
    public const int MaxIdempotencyKeyLength = 255;

    // A first request that stored its key but never marked it answered (its server died) stops being "in progress" after this.
    private static readonly TimeSpan InProgressWindow = TimeSpan.FromSeconds(30);
    private long nextIdempotencyPrune;

    /// <summary>Returns the canonical text of a start request: the workflow and the inputs with object keys sorted, secrets revealed.</summary>
    public static string CanonicalRequest(string workflow, IReadOnlyDictionary<string, JsonNode?> inputs)
    {
        var root = new JsonObject
        {
            ["workflow"] = workflow,
            ["inputs"] = new JsonObject(inputs.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, Sorted(SecretCodec.Reveal(kv.Value))))),
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    }

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, Sorted(kv.Value)))),
        JsonArray a => new JsonArray(a.Select(Sorted).ToArray()),
        _ => node?.DeepClone(),
    };

    private IdempotencyRequest Idempotency(StartRunRequest request)
    {
        var key = request.IdempotencyKey!;
        if (key.Length is 0 or > MaxIdempotencyKeyLength || key.Any(ch => ch is < ' ' or > '~'))
        {
            throw new InputValidationException([new FieldError("Idempotency-Key", $"must be 1 to {MaxIdempotencyKeyLength} printable ASCII characters (e.g. a UUID)")]);
        }

        return new IdempotencyRequest(request.Trigger.Actor, key, machine.Codec.Fingerprint(CanonicalRequest(request.Workflow, request.Inputs)));
    }

    private async Task<RunSummary> ReplayAsync(IdempotencyRequest request, IdempotencyRow? seen, CancellationToken ct)
    {
        if (seen is null)
        {
            // The twin that held the key rolled back, or the key expired in between: the client may simply retry.
            throw new IdempotencyKeyInProgressException($"Another request with Idempotency-Key '{request.Key}' was being processed; retry it.");
        }

        if (seen.Fingerprint != request.Fingerprint)
        {
            throw new IdempotencyKeyReusedException(
                $"Idempotency-Key '{request.Key}' was already used for a different request (it started run {seen.RunId}); send a new key with a new request.");
        }

        if (seen.CompletedAt is null && machine.Now - seen.CreatedAt < InProgressWindow.TotalMilliseconds)
        {
            throw new IdempotencyKeyInProgressException($"The request with Idempotency-Key '{request.Key}' (run {seen.RunId}) is still being processed; retry in a moment.");
        }

        var loaded = await store.LoadAsync(seen.RunId, ct) ?? throw new RunNotFoundException($"Run {seen.RunId} of Idempotency-Key '{request.Key}' no longer exists.");
        logger.LogInformation("Run {RunId} answered again for a repeated idempotency key of {Actor}", seen.RunId, request.Scope);
        return RunQueries.ToSummary(loaded.Run);
    }

    private async Task CompleteAsync(IdempotencyRequest request)
    {
        try
        {
            var now = machine.Now;
            await store.CompleteIdempotencyKeyAsync(request.Scope, request.Key, now, CancellationToken.None);
            var due = Interlocked.Read(ref nextIdempotencyPrune);
            if (now >= due && Interlocked.CompareExchange(ref nextIdempotencyPrune, now + (long)TimeSpan.FromHours(1).TotalMilliseconds, due) == due)
            {
                var pruned = await store.PruneIdempotencyKeysAsync(now, CancellationToken.None);
                logger.LogDebug("Pruned {Count} expired idempotency keys", pruned);
            }
        }
        catch (Exception e) when (DatabaseFailures.IsUnavailable(e))
        {
            // Harmless: the key stays "in progress" for at most InProgressWindow, then answers its run.
            logger.LogWarning("Could not mark idempotency key of {Actor} as answered: {Message}", request.Scope, e.Message);
        }
    }

    private sealed record IdempotencyRequest(string Scope, string Key, string Fingerprint)
    {
        public IdempotencyRow Row(string runId, long now, long expiresAt) => new()
        {
            Scope = Scope, Key = Key, Fingerprint = Fingerprint, RunId = runId, CreatedAt = now, ExpiresAt = expiresAt,
        };
    }
}
