namespace Workflows.Kubernetes.Client;

/// <summary>An error answer of the API server, read from its <c>Status</c> body.</summary>
public sealed class KubernetesApiException : Exception
{
    /// <summary>Creates the exception.</summary>
    public KubernetesApiException(int status, string method, string path, string? reason, string message, IReadOnlyList<StatusCause> causes, string? requestId)
        : base($"{method} {path} → {status}{(reason is null ? string.Empty : $" {reason}")}: {message}")
    {
        Status = status;
        Reason = reason;
        ApiMessage = message;
        Causes = causes;
        RequestId = requestId;
    }

    /// <summary>Gets the HTTP status code.</summary>
    public int Status { get; }

    /// <summary>Gets the Status reason, e.g. <c>Invalid</c>, <c>Conflict</c>, <c>NotFound</c>.</summary>
    public string? Reason { get; }

    /// <summary>Gets the API server's message.</summary>
    public string ApiMessage { get; }

    /// <summary>Gets the field-level causes of an <c>Invalid</c> answer.</summary>
    public IReadOnlyList<StatusCause> Causes { get; }

    /// <summary>Gets the request's audit id, when the server sent one.</summary>
    public string? RequestId { get; }
}

/// <summary>One cause in a Status body's <c>details.causes</c>.</summary>
/// <param name="Reason">E.g. <c>FieldValueInvalid</c>.</param>
/// <param name="Message">The cause's message.</param>
/// <param name="Field">The field path, e.g. <c>spec.template.spec.containers[0].image</c>.</param>
public sealed record StatusCause(string? Reason, string? Message, string? Field);
