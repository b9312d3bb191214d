using Workflows.Abstractions.Actions;

namespace Workflows.OpenStack.Http;

/// <summary>Per-request facts the OpenStack handlers read from <see cref="HttpRequestMessage.Options"/>.</summary>
public static class OpenStackRequest
{
    /// <summary>The cloud the request is for (the token handler authenticates against it).</summary>
    public static readonly HttpRequestOptionsKey<string> Cloud = new("Workflows.OpenStack.Cloud");

    /// <summary>The service type, e.g. <c>compute</c>, for the audit.</summary>
    public static readonly HttpRequestOptionsKey<string> Service = new("Workflows.OpenStack.Service");

    /// <summary>The audit to record the call in; when absent, the current step's (via <see cref="IStepContextAccessor"/>).</summary>
    public static readonly HttpRequestOptionsKey<IStepAudit> Audit = new("Workflows.OpenStack.Audit");

    /// <summary>
    /// Serializes a request body with a Content-Length. <c>JsonContent</c> streams chunked, and the
    /// OpenStack APIs behind uwsgi (Keystone, Nova, Placement in DevStack and the Debian packages) read
    /// a chunked body as empty: Keystone answers 400 "Expecting to find auth in request body".
    /// </summary>
    public static HttpContent Json(object body, System.Text.Json.JsonSerializerOptions? options = null)
    {
        var content = new ByteArrayContent(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), options ?? OpenStackJson.Options));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        return content;
    }

    /// <summary>Returns the response's <c>x-openstack-request-id</c> (or Nova's <c>x-compute-request-id</c>).</summary>
    public static string? RequestId(HttpResponseMessage response) =>
        response.Headers.TryGetValues("x-openstack-request-id", out var v) ? v.FirstOrDefault()
        : response.Headers.TryGetValues("x-compute-request-id", out var c) ? c.FirstOrDefault()
        : null;
}
