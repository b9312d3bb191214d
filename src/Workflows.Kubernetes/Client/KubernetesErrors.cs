using Workflows.Abstractions.Actions;
using Workflows.Kubernetes.Manifests;

namespace Workflows.Kubernetes.Client;

/// <summary>Turns API server errors into step failures with stable codes.</summary>
public static class KubernetesErrors
{
    /// <summary>
    /// Translates <paramref name="ex"/>. With <paramref name="source"/>, the field causes of an <c>Invalid</c> answer are
    /// placed in the manifest (document, line, column, field).
    /// </summary>
    public static StepFailedException Translate(KubernetesApiException ex, string doing, ManifestObject? source = null)
    {
        var where = ex.RequestId is null ? string.Empty : $" (request {ex.RequestId})";
        if (ex.Status == 422 && source is not null && ex.Causes.Count > 0)
        {
            var causes = ex.Causes.Select(c => $"{source.Where(c.Field)}: {c.Message ?? c.Reason}");
            return new StepFailedException("kubernetes.invalid", $"{doing}: the API server refused manifest {source.Where()}: {string.Join("; ", causes)}{where}", retryable: false, ex);
        }

        var (code, retryable) = ex.Status switch
        {
            401 => ("kubernetes.unauthorized", false),
            403 => ("kubernetes.forbidden", false),
            404 => ("kubernetes.not_found", false),
            409 => ("kubernetes.conflict", true),
            400 or 415 or 422 => ("kubernetes.invalid", false),
            429 => ("kubernetes.throttled", true),
            >= 500 => ("kubernetes.unavailable", true),
            _ => ("kubernetes.error", false),
        };
        var place = source is null ? string.Empty : $" (manifest {source.Where()})";
        return new StepFailedException(code, $"{doing}{place}: {ex.Status} {ex.Reason}: {ex.ApiMessage}{where}", retryable, ex);
    }
}
