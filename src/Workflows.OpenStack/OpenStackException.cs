using System.Net;

namespace Workflows.OpenStack;

/// <summary>
/// An OpenStack API call failed. Carries the HTTP status, the API's own message (Nova's
/// <c>badRequest.message</c>, Neutron's <c>NeutronError</c>, Magnum's <c>errors[]</c>, Keystone's
/// <c>error</c>) and the <c>x-openstack-request-id</c>. The message never contains tokens or passwords.
/// </summary>
public class OpenStackException : Exception
{
    /// <summary>Creates the exception.</summary>
    public OpenStackException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a failed HTTP call.</summary>
    public OpenStackException(string service, string method, string path, HttpStatusCode? statusCode, string? apiMessage, string? apiErrorType, string? requestId, Exception? innerException = null)
        : base(Format(service, method, path, statusCode, apiMessage, requestId), innerException)
    {
        Service = service;
        Method = method;
        Path = path;
        StatusCode = statusCode;
        ApiMessage = apiMessage;
        ApiErrorType = apiErrorType;
        RequestId = requestId;
    }

    /// <summary>Gets the service type, e.g. <c>compute</c>.</summary>
    public string? Service { get; }

    /// <summary>Gets the HTTP method.</summary>
    public string? Method { get; }

    /// <summary>Gets the request path (no query).</summary>
    public string? Path { get; }

    /// <summary>Gets the HTTP status, or null when no response arrived.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>Gets the API's own error message.</summary>
    public string? ApiMessage { get; }

    /// <summary>Gets the API's error type where it has one (Neutron's <c>type</c>, e.g. <c>OverQuota</c>; Nova's key, e.g. <c>itemNotFound</c>).</summary>
    public string? ApiErrorType { get; }

    /// <summary>Gets the <c>x-openstack-request-id</c> of the failed call.</summary>
    public string? RequestId { get; }

    /// <summary>Gets whether trying again later may succeed (5xx, 429, no response).</summary>
    public virtual bool IsTransient => StatusCode is null || (int)StatusCode.Value >= 500 || StatusCode == HttpStatusCode.TooManyRequests;

    private static string Format(string service, string method, string path, HttpStatusCode? status, string? apiMessage, string? requestId)
    {
        var text = status is { } s ? $"{service} {method} {path} returned {(int)s} {s}" : $"{service} {method} {path} failed";
        if (!string.IsNullOrWhiteSpace(apiMessage))
        {
            text += ": " + apiMessage;
        }

        return requestId is null ? text : $"{text} (request {requestId})";
    }
}

/// <summary>The resource does not exist (404).</summary>
public sealed class OpenStackNotFoundException(string service, string method, string path, string? apiMessage, string? apiErrorType, string? requestId)
    : OpenStackException(service, method, path, HttpStatusCode.NotFound, apiMessage, apiErrorType, requestId);

/// <summary>The request conflicts with the resource's state (409).</summary>
public sealed class OpenStackConflictException(string service, string method, string path, string? apiMessage, string? apiErrorType, string? requestId)
    : OpenStackException(service, method, path, HttpStatusCode.Conflict, apiMessage, apiErrorType, requestId);

/// <summary>A quota is exhausted (Neutron 409 <c>OverQuota</c>, Nova 403 "Quota exceeded", 413).</summary>
public sealed class OpenStackQuotaExceededException(string service, string method, string path, HttpStatusCode statusCode, string? apiMessage, string? apiErrorType, string? requestId)
    : OpenStackException(service, method, path, statusCode, apiMessage, apiErrorType, requestId)
{
    /// <inheritdoc />
    public override bool IsTransient => false;
}

/// <summary>Keystone rejected the credentials or the token (401).</summary>
public sealed class OpenStackAuthenticationException(string service, string method, string path, string? apiMessage, string? requestId)
    : OpenStackException(service, method, path, HttpStatusCode.Unauthorized, apiMessage, null, requestId);

/// <summary>The cloud is not configured, or its catalog lacks the service.</summary>
public sealed class OpenStackConfigurationException(string message) : OpenStackException(message)
{
    /// <inheritdoc />
    public override bool IsTransient => false;
}
