using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Workflows.Abstractions.Secrets;

namespace Workflows.Server.Triggers;

/// <summary>The outcome of checking a delivery's signature.</summary>
/// <param name="Valid">Whether the delivery is authentic.</param>
/// <param name="Provider">The scheme that was checked: github, gitlab or generic (or null when none applied).</param>
/// <param name="Error">Why it was rejected (never contains the secret or the expected signature).</param>
public sealed record SignatureCheck(bool Valid, string? Provider, string? Error);

/// <summary>
/// Verifies webhook signatures in constant time: GitHub's <c>X-Hub-Signature-256</c> (HMAC-SHA256 of the raw body),
/// GitLab's <c>X-Gitlab-Token</c> (the shared secret itself), and a generic <c>X-Signature</c>
/// (<c>sha256=hex(HMAC(secret, timestamp + "." + body))</c>) with <c>X-Timestamp</c> (unix seconds) inside a window.
/// </summary>
public static class WebhookSignatures
{
    /// <summary>The GitHub signature header.</summary>
    public const string GitHubHeader = "X-Hub-Signature-256";

    /// <summary>The GitLab token header.</summary>
    public const string GitLabHeader = "X-Gitlab-Token";

    /// <summary>The generic signature header.</summary>
    public const string GenericHeader = "X-Signature";

    /// <summary>The generic timestamp header.</summary>
    public const string TimestampHeader = "X-Timestamp";

    /// <summary>Returns <c>sha256=</c> followed by the lowercase hex HMAC-SHA256 of <paramref name="data"/>.</summary>
    public static string Sign(Secret secret, ReadOnlySpan<byte> data) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret.Reveal()), data));

    /// <summary>Returns the generic provider's signature of a body at a timestamp.</summary>
    public static string SignGeneric(Secret secret, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        var data = new byte[prefix.Length + body.Length];
        prefix.CopyTo(data, 0);
        body.CopyTo(data.AsSpan(prefix.Length));
        return Sign(secret, data);
    }

    /// <summary>Checks a delivery against the hook's secret.</summary>
    /// <param name="provider">github, gitlab, generic, or auto (the first of those whose header is present).</param>
    /// <param name="secret">The hook's secret, or null when none is configured (always rejected).</param>
    /// <param name="header">Reads a request header, or null when absent.</param>
    /// <param name="body">The raw body.</param>
    /// <param name="now">The current time.</param>
    /// <param name="tolerance">How far the generic timestamp may be from now.</param>
    public static SignatureCheck Verify(string provider, Secret? secret, Func<string, string?> header, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan tolerance)
    {
        var p = provider.ToLowerInvariant();
        if (p == "auto")
        {
            p = header(GitHubHeader) is not null ? "github"
                : header(GitLabHeader) is not null ? "gitlab"
                : header(GenericHeader) is not null ? "generic"
                : "";
            if (p == "")
            {
                return new(false, null, $"missing signature: send {GitHubHeader}, {GitLabHeader}, or {GenericHeader} with {TimestampHeader}");
            }
        }

        if (secret is null || secret.Reveal().Length == 0)
        {
            return new(false, p, "the hook has no secret configured");
        }

        switch (p)
        {
            case "github":
                return header(GitHubHeader) is { } gh
                    ? Compare(gh, Sign(secret, body)) ? new(true, p, null) : new(false, p, $"{GitHubHeader} does not match the body")
                    : new(false, p, $"missing {GitHubHeader}");
            case "gitlab":
                return header(GitLabHeader) is { } token
                    ? Compare(token, secret.Reveal()) ? new(true, p, null) : new(false, p, $"{GitLabHeader} is wrong")
                    : new(false, p, $"missing {GitLabHeader}");
            case "generic":
                if (header(GenericHeader) is not { } sig)
                {
                    return new(false, p, $"missing {GenericHeader}");
                }

                if (header(TimestampHeader) is not { } ts || !long.TryParse(ts, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds))
                {
                    return new(false, p, $"missing or malformed {TimestampHeader} (unix seconds)");
                }

                var at = seconds is > -62135596800 and < 253402300800 ? DateTimeOffset.FromUnixTimeSeconds(seconds) : DateTimeOffset.MinValue;
                if ((now - at).Duration() > tolerance)
                {
                    return new(false, p, $"{TimestampHeader} is outside the {tolerance.TotalMinutes:0.#}-minute window (stale or replayed)");
                }

                return Compare(sig, SignGeneric(secret, seconds, body)) ? new(true, p, null) : new(false, p, $"{GenericHeader} does not match the timestamp and body");
            default:
                return new(false, p, $"unknown provider '{provider}': use github, gitlab, generic or auto");
        }
    }

    /// <summary>Compares two strings in constant time (over their SHA-256, so lengths do not leak either).</summary>
    private static bool Compare(string given, string expected) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given.Trim())), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
}
