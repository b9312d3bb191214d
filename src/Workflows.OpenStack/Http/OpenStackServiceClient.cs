using System.Net;
using System.Text.Json;
using Workflows.Abstractions.Actions;
using Workflows.OpenStack.Configuration;
using Workflows.OpenStack.Identity;

namespace Workflows.OpenStack.Http;

/// <summary>The shared plumbing of the service clients: endpoint from the catalog, headers, JSON, typed errors.</summary>
public abstract class OpenStackServiceClient
{
    private readonly HttpClient http;
    private readonly TokenProvider tokens;
    private readonly IStepAudit? audit;

    /// <summary>Creates the client.</summary>
    protected OpenStackServiceClient(HttpClient http, TokenProvider tokens, CloudDefinition cloud, string serviceType, string defaultInterface, IStepAudit? audit)
    {
        this.http = http;
        this.tokens = tokens;
        this.audit = audit;
        Cloud = cloud;
        ServiceType = serviceType;
        Interface = cloud.Interface ?? defaultInterface;
    }

    /// <summary>Gets the cloud.</summary>
    public CloudDefinition Cloud { get; }

    /// <summary>Gets the service type in the catalog.</summary>
    public string ServiceType { get; }

    /// <summary>Gets the endpoint interface.</summary>
    public string Interface { get; }

    /// <summary>Returns the service's endpoint from the token's catalog.</summary>
    public async Task<Uri> GetEndpointAsync(CancellationToken cancellationToken = default)
    {
        var token = await tokens.GetAsync(Cloud.Name, cancellationToken);
        return token.Catalog.GetEndpoint(ServiceType, Interface, Cloud.RegionName);
    }

    /// <summary>Returns the id of the project the cloud's token is scoped to, or null for an unscoped token.</summary>
    public async Task<string?> GetProjectIdAsync(CancellationToken cancellationToken = default) =>
        (await tokens.GetAsync(Cloud.Name, cancellationToken)).ProjectId;

    /// <summary>Returns whether the token's catalog lists a service of one of <paramref name="serviceTypes"/> in the cloud's region.</summary>
    public async Task<bool> CatalogHasAsync(IEnumerable<string> serviceTypes, CancellationToken cancellationToken = default)
    {
        var catalog = (await tokens.GetAsync(Cloud.Name, cancellationToken)).Catalog;
        var types = serviceTypes.ToHashSet(StringComparer.Ordinal);
        return catalog.Endpoints.Any(e => types.Contains(e.ServiceType) && (Cloud.RegionName is null || e.Region is null || e.Region == Cloud.RegionName));
    }

    /// <summary>Adds service headers (microversions) to a request.</summary>
    protected virtual void AddHeaders(HttpRequestMessage request)
    {
    }

    /// <summary>Sends a request and deserializes the response.</summary>
    /// <exception cref="OpenStackException">A non-success status or no response.</exception>
    protected async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        var (text, _) = await SendCoreAsync(method, path, body, cancellationToken);
        return JsonSerializer.Deserialize<T>(text, OpenStackJson.Options)
            ?? throw new OpenStackException($"{ServiceType} {method} {path} returned an empty body.");
    }

    /// <summary>Sends a request whose response body does not matter.</summary>
    /// <exception cref="OpenStackException">A non-success status or no response.</exception>
    protected async Task SendAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken) =>
        await SendCoreAsync(method, path, body, cancellationToken);

    /// <summary>Sends a request and returns the raw body and the status.</summary>
    protected async Task<(string Body, HttpStatusCode Status)> SendCoreAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        var endpoint = await GetEndpointAsync(cancellationToken);
        var url = new Uri(endpoint.ToString().TrimEnd('/') + "/" + path.TrimStart('/'));
        using var request = new HttpRequestMessage(method, url);
        request.Headers.Accept.ParseAdd("application/json");
        if (body is not null)
        {
            request.Content = OpenStackRequest.Json(body);
        }

        request.Options.Set(OpenStackRequest.Cloud, Cloud.Name);
        request.Options.Set(OpenStackRequest.Service, ServiceType);
        if (audit is not null)
        {
            request.Options.Set(OpenStackRequest.Audit, audit);
        }

        AddHeaders(request);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new OpenStackException(ServiceType, method.Method, url.AbsolutePath, null, ex.Message, null, null, ex);
        }
        catch (Exception ex) when (ex is TaskCanceledException or TimeoutException or Polly.Timeout.TimeoutRejectedException && !cancellationToken.IsCancellationRequested)
        {
            throw new OpenStackException(ServiceType, method.Method, url.AbsolutePath, null, "the call timed out", null, null, ex);
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw ApiErrorParser.ToException(ServiceType, method.Method, url.AbsolutePath, response.StatusCode, text, OpenStackRequest.RequestId(response));
            }

            return (text, response.StatusCode);
        }
    }

    /// <summary>Escapes a path segment.</summary>
    protected static string Segment(string value) => Uri.EscapeDataString(value);

    /// <summary>Builds a query string from the non-null pairs.</summary>
    protected static string Query(params (string Key, string? Value)[] pairs)
    {
        var parts = pairs.Where(p => p.Value is not null).Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value!)}").ToList();
        return parts.Count == 0 ? string.Empty : "?" + string.Join('&', parts);
    }
}
