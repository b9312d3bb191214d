using System.Diagnostics;
using System.Text;
using Docker.DotNet;

namespace Workflows.Docker.Client;

/// <summary>
/// Spans of Docker Engine API calls: one client span per HTTP request, a child of the step's span (the ambient activity).
/// Docker.DotNet sends its requests through its own socket handler, which emits no <c>System.Net.Http</c> span, so the
/// client factory slips <see cref="TracingHandler"/> in front of it. Plain <see cref="System.Diagnostics"/>: the host
/// decides whether anything listens and where spans go.
/// </summary>
public static class DockerTelemetry
{
    /// <summary>The name of the activity source of Docker API calls.</summary>
    public const string ActivitySourceName = "Workflows.Docker";

    internal static ActivitySource Source { get; } = new(ActivitySourceName);

    // Collections whose next path segment is an object id or name (high cardinality: a template replaces it).
    private static readonly HashSet<string> Collections = new(StringComparer.Ordinal)
    {
        "containers", "services", "networks", "tasks", "volumes", "nodes", "secrets", "configs", "plugins", "exec",
    };

    // Segments that are operations, never ids.
    private static readonly HashSet<string> Operations = new(StringComparer.Ordinal) { "create", "json", "prune", "search", "load", "get" };

    /// <summary>
    /// Returns the route of a Docker API path for span names and <c>url.template</c>: the API version and ids left out,
    /// e.g. <c>/v1.43/containers/3f2a…/start</c> is <c>/containers/{id}/start</c> and <c>/images/nginx:1.27/json</c> is
    /// <c>/images/{name}/json</c>.
    /// </summary>
    public static string Route(string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries).ToList();
        if (segments.Count > 0 && segments[0].Length > 1 && segments[0][0] == 'v' && char.IsDigit(segments[0][1]))
        {
            segments.RemoveAt(0);
        }

        if (segments.Count >= 2 && segments[0] == "images" && !Operations.Contains(segments[1]))
        {
            // An image name may hold slashes (registry/org/app:tag): everything up to the operation is the name.
            var last = segments[^1];
            var operation = segments.Count > 2 && last is "json" or "history" or "push" or "tag" ? "/" + last : "";
            return "/images/{name}" + operation;
        }

        var route = new StringBuilder();
        for (var i = 0; i < segments.Count; i++)
        {
            var id = i > 0 && Collections.Contains(segments[i - 1]) && !Operations.Contains(segments[i]);
            route.Append('/').Append(id ? "{id}" : segments[i]);
        }

        return route.Length == 0 ? "/" : route.ToString();
    }

    /// <summary>
    /// Returns the <c>url.full</c> of a request to <paramref name="endpoint"/>: the endpoint as configured (a unix socket's
    /// path, or the host and port), the request's path and its query with every value redacted (a filter may name
    /// anything); never user information.
    /// </summary>
    public static string FullUrl(DockerEndpoint endpoint, Uri request)
    {
        var root = endpoint.Uri.Scheme is "unix" or "npipe"
            ? $"{endpoint.Uri.Scheme}://{endpoint.Uri.AbsolutePath}"
            : $"{(endpoint.Tls is null ? "http" : "https")}://{endpoint.Uri.Host}:{endpoint.Uri.Port}";
        var query = request.Query.TrimStart('?');
        if (query.Length == 0)
        {
            return root + request.AbsolutePath;
        }

        var redacted = string.Join('&', query.Split('&').Select(p => p.Split('=', 2)[0] + "=REDACTED"));
        return $"{root}{request.AbsolutePath}?{redacted}";
    }

    /// <summary>Wraps credentials so that the handler they build traces every request.</summary>
    internal static Credentials Traced(Credentials inner, DockerEndpoint endpoint) => new TracedCredentials(inner, endpoint);

    /// <summary>Starts one client span per request; ends it with the status code, or the error's type when none came.</summary>
    internal sealed class TracingHandler(DockerEndpoint endpoint) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (!Source.HasListeners() || request.RequestUri is not { } uri)
            {
                return await base.SendAsync(request, cancellationToken);
            }

            var method = request.Method.Method;
            var route = Route(uri.AbsolutePath);
            var server = endpoint.Uri.Scheme is "unix" or "npipe" ? endpoint.Uri.AbsolutePath : endpoint.Uri.Host;
            using var activity = Source.StartActivity(
                ActivityKind.Client,
                parentContext: default,
                [
                    new("http.request.method", method),
                    new("url.full", FullUrl(endpoint, uri)),
                    new("url.template", route),
                    new("server.address", server),
                ],
                name: $"{method} {route}");
            if (activity is not null && endpoint.Uri.Scheme is not ("unix" or "npipe"))
            {
                activity.SetTag("server.port", endpoint.Uri.Port);
            }

            try
            {
                var response = await base.SendAsync(request, cancellationToken);
                var status = (int)response.StatusCode;
                activity?.SetTag("http.response.status_code", status);
                if (status >= 400)
                {
                    activity?.SetTag("error.type", status.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    activity?.SetStatus(ActivityStatusCode.Error);
                }

                return response;
            }
            catch (Exception ex)
            {
                activity?.SetTag("error.type", ex is OperationCanceledException ? "cancelled" : ex.GetType().FullName);
                activity?.SetStatus(ActivityStatusCode.Error);
                throw;
            }
        }
    }

    private sealed class TracedCredentials(Credentials inner, DockerEndpoint endpoint) : Credentials
    {
        public override bool IsTlsCredentials() => inner.IsTlsCredentials();

        public override HttpMessageHandler GetHandler(HttpMessageHandler innerHandler) =>
            new TracingHandler(endpoint) { InnerHandler = inner.GetHandler(innerHandler) };

        public override void Dispose()
        {
            inner.Dispose();
            base.Dispose();
        }
    }
}
