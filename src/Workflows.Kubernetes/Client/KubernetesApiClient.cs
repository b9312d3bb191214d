using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Workflows.Abstractions.Actions;
using Workflows.Kubernetes.Access;

namespace Workflows.Kubernetes.Client;

/// <summary>
/// The REST calls the actions make, for any kind: get, server-side apply, delete, list. Authentication,
/// the cluster CA and client certificates come from KubernetesClient's handler for the kubeconfig context;
/// kinds map to URLs through a table of the built-in kinds, then API discovery. Every call is recorded in
/// the step's audit.
/// </summary>
public sealed class KubernetesApiClient : IDisposable
{
    private static readonly Dictionary<(string ApiVersion, string Kind), ResourceInfo> BuiltIn = new()
    {
        [("v1", "Namespace")] = new("namespaces", false),
        [("v1", "Service")] = new("services", true),
        [("v1", "ConfigMap")] = new("configmaps", true),
        [("v1", "Secret")] = new("secrets", true),
        [("v1", "Pod")] = new("pods", true),
        [("v1", "ServiceAccount")] = new("serviceaccounts", true),
        [("v1", "PersistentVolumeClaim")] = new("persistentvolumeclaims", true),
        [("v1", "PersistentVolume")] = new("persistentvolumes", false),
        [("v1", "Endpoints")] = new("endpoints", true),
        [("v1", "Event")] = new("events", true),
        [("apps/v1", "Deployment")] = new("deployments", true),
        [("apps/v1", "StatefulSet")] = new("statefulsets", true),
        [("apps/v1", "DaemonSet")] = new("daemonsets", true),
        [("apps/v1", "ReplicaSet")] = new("replicasets", true),
        [("batch/v1", "Job")] = new("jobs", true),
        [("batch/v1", "CronJob")] = new("cronjobs", true),
        [("networking.k8s.io/v1", "Ingress")] = new("ingresses", true),
        [("networking.k8s.io/v1", "NetworkPolicy")] = new("networkpolicies", true),
        [("rbac.authorization.k8s.io/v1", "Role")] = new("roles", true),
        [("rbac.authorization.k8s.io/v1", "RoleBinding")] = new("rolebindings", true),
        [("rbac.authorization.k8s.io/v1", "ClusterRole")] = new("clusterroles", false),
        [("rbac.authorization.k8s.io/v1", "ClusterRoleBinding")] = new("clusterrolebindings", false),
        [("policy/v1", "PodDisruptionBudget")] = new("poddisruptionbudgets", true),
        [("autoscaling/v2", "HorizontalPodAutoscaler")] = new("horizontalpodautoscalers", true),
    };

    private readonly k8s.Kubernetes kubernetes;
    private readonly HttpClient http;
    private readonly IStepAudit audit;
    private readonly Dictionary<string, Dictionary<string, ResourceInfo>?> discovered = new(StringComparer.Ordinal);

    /// <summary>Opens a client for <paramref name="access"/>.</summary>
    public KubernetesApiClient(ClusterAccess access, IStepAudit audit, TimeSpan timeout)
    {
        Access = access;
        this.audit = audit;
        access.Configuration.HttpClientTimeout = timeout;
        kubernetes = new k8s.Kubernetes(access.Configuration);
        http = kubernetes.HttpClient;
    }

    /// <summary>Gets the cluster this client talks to.</summary>
    public ClusterAccess Access { get; }

    /// <summary>Returns where <paramref name="kind"/> of <paramref name="apiVersion"/> is served, or null when the cluster does not serve it.</summary>
    public async Task<ResourceInfo?> ResolveAsync(string apiVersion, string kind, CancellationToken cancellationToken = default)
    {
        if (BuiltIn.TryGetValue((apiVersion, kind), out var known))
        {
            return known;
        }

        if (!discovered.TryGetValue(apiVersion, out var kinds))
        {
            var path = apiVersion.Contains('/', StringComparison.Ordinal) ? $"apis/{apiVersion}" : $"api/{apiVersion}";
            var list = await SendAsync(HttpMethod.Get, path, null, null, allowNotFound: true, cancellationToken);
            kinds = list?["resources"] is JsonArray resources
                ? resources.OfType<JsonObject>()
                    .Where(r => r["name"]?.GetValue<string>() is { } n && !n.Contains('/', StringComparison.Ordinal) && r["kind"] is not null)
                    .GroupBy(r => r["kind"]!.GetValue<string>(), StringComparer.Ordinal)
                    .ToDictionary(g => g.Key, g => new ResourceInfo(g.First()["name"]!.GetValue<string>(), g.First()["namespaced"]?.GetValue<bool>() ?? true), StringComparer.Ordinal)
                : null;
            discovered[apiVersion] = kinds;
        }

        return kinds is not null && kinds.TryGetValue(kind, out var info) ? info : null;
    }

    /// <summary>Reads an object; null when it does not exist.</summary>
    public async Task<JsonObject?> GetAsync(ObjectRef target, ResourceInfo resource, CancellationToken cancellationToken = default) =>
        await SendAsync(HttpMethod.Get, PathOf(target, resource), null, null, allowNotFound: true, cancellationToken);

    /// <summary>
    /// Applies <paramref name="body"/> with server-side apply (<c>PATCH application/apply-patch+yaml</c>, JSON being
    /// YAML) under <paramref name="fieldManager"/>, taking over conflicting fields (<c>force=true</c>), and returns the
    /// object as stored.
    /// </summary>
    public async Task<JsonObject> ApplyAsync(ObjectRef target, ResourceInfo resource, JsonObject body, string fieldManager, CancellationToken cancellationToken = default)
    {
        var path = $"{PathOf(target, resource)}?fieldManager={Uri.EscapeDataString(fieldManager)}&force=true";
        return (await SendAsync(HttpMethod.Patch, path, body.ToJsonString(), "application/apply-patch+yaml", allowNotFound: false, cancellationToken))!;
    }

    /// <summary>
    /// Asks the API server what a server-side apply of <paramref name="body"/> would store, without storing it
    /// (<c>dryRun=All</c>: admission, defaulting and validation run, nothing is persisted).
    /// </summary>
    public async Task<JsonObject> ApplyDryRunAsync(ObjectRef target, ResourceInfo resource, JsonObject body, string fieldManager, CancellationToken cancellationToken = default)
    {
        var path = $"{PathOf(target, resource)}?fieldManager={Uri.EscapeDataString(fieldManager)}&force=true&dryRun=All";
        return (await SendAsync(HttpMethod.Patch, path, body.ToJsonString(), "application/apply-patch+yaml", allowNotFound: false, cancellationToken))!;
    }

    /// <summary>Deletes an object with a propagation policy; returns false when it did not exist.</summary>
    public async Task<bool> DeleteAsync(ObjectRef target, ResourceInfo resource, string propagationPolicy, CancellationToken cancellationToken = default)
    {
        var options = new JsonObject { ["kind"] = "DeleteOptions", ["apiVersion"] = "v1", ["propagationPolicy"] = propagationPolicy };
        var answer = await SendAsync(HttpMethod.Delete, PathOf(target, resource), options.ToJsonString(), "application/json", allowNotFound: true, cancellationToken);
        return answer is not null;
    }

    /// <summary>Lists objects of a kind in a namespace, filtered by a label selector.</summary>
    public async Task<IReadOnlyList<JsonObject>> ListAsync(string apiVersion, ResourceInfo resource, string? ns, string? labelSelector, CancellationToken cancellationToken = default)
    {
        var prefix = apiVersion.Contains('/', StringComparison.Ordinal) ? $"apis/{apiVersion}" : $"api/{apiVersion}";
        var path = resource.Namespaced && ns is not null ? $"{prefix}/namespaces/{Uri.EscapeDataString(ns)}/{resource.Plural}" : $"{prefix}/{resource.Plural}";
        if (!string.IsNullOrEmpty(labelSelector))
        {
            path += $"?labelSelector={Uri.EscapeDataString(labelSelector)}";
        }

        var list = await SendAsync(HttpMethod.Get, path, null, null, allowNotFound: false, cancellationToken);
        return list?["items"] is JsonArray items ? items.OfType<JsonObject>().ToList() : [];
    }

    /// <inheritdoc />
    public void Dispose()
    {
        kubernetes.Dispose();
    }

    private static string PathOf(ObjectRef target, ResourceInfo resource)
    {
        var prefix = target.Group.Length == 0 ? $"api/{target.ApiVersion}" : $"apis/{target.ApiVersion}";
        var name = Uri.EscapeDataString(target.Name);
        return resource.Namespaced
            ? $"{prefix}/namespaces/{Uri.EscapeDataString(target.Namespace ?? "default")}/{resource.Plural}/{name}"
            : $"{prefix}/{resource.Plural}/{name}";
    }

    private async Task<JsonObject?> SendAsync(HttpMethod method, string path, string? body, string? contentType, bool allowNotFound, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(kubernetes.BaseUri, path));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType!);
        }

        if (kubernetes.Credentials is { } credentials)
        {
            // Bearer tokens, basic auth and exec plugins; client certificates are on the handler.
            await credentials.ProcessHttpRequestAsync(request, cancellationToken);
        }

        var endpoint = "/" + path;
        var started = Stopwatch.GetTimestamp();
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            audit.RecordCall(new ExternalCall("kubernetes", method.Method, endpoint, null, Stopwatch.GetElapsedTime(started), Error: ex.Message));
            throw new StepFailedException("kubernetes.unreachable", $"The Kubernetes API at {Access.Server} ({Access.Context}) could not be reached: {Describe(ex)}", retryable: true, ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            audit.RecordCall(new ExternalCall("kubernetes", method.Method, endpoint, null, Stopwatch.GetElapsedTime(started), Error: "timeout"));
            throw new StepFailedException("kubernetes.timeout", $"The Kubernetes API at {Access.Server} did not answer {method.Method} {endpoint} within {http.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s.", retryable: true, ex);
        }

        using (response)
        {
            var requestId = response.Headers.TryGetValues("Audit-Id", out var ids) ? ids.FirstOrDefault() : null;
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            var status = (int)response.StatusCode;
            audit.RecordCall(new ExternalCall("kubernetes", method.Method, endpoint, status, Stopwatch.GetElapsedTime(started), requestId, response.IsSuccessStatusCode ? null : response.ReasonPhrase));
            if (response.StatusCode == HttpStatusCode.NotFound && allowNotFound)
            {
                return null;
            }

            JsonNode? json = null;
            try
            {
                json = string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text);
            }
            catch (JsonException)
            {
                // Not JSON (a proxy's HTML page, plain text): reported as text below.
            }

            if (!response.IsSuccessStatusCode)
            {
                var message = json?["message"]?.GetValue<string>() ?? (text.Length > 300 ? text[..300] : text);
                var causes = json?["details"]?["causes"] is JsonArray c
                    ? c.OfType<JsonObject>().Select(x => new StatusCause(x["reason"]?.GetValue<string>(), x["message"]?.GetValue<string>(), x["field"]?.GetValue<string>())).ToList()
                    : [];
                throw new KubernetesApiException(status, method.Method, endpoint, json?["reason"]?.GetValue<string>() ?? response.ReasonPhrase, message, causes, requestId);
            }

            return json as JsonObject ?? (json is null ? new JsonObject() : throw new KubernetesApiException(status, method.Method, endpoint, "BadResponse", "the answer is not a JSON object", [], requestId));
        }
    }

    private static string Describe(Exception ex)
    {
        var messages = new List<string>();
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (!messages.Contains(e.Message))
            {
                messages.Add(e.Message);
            }
        }

        return string.Join(" → ", messages);
    }
}
