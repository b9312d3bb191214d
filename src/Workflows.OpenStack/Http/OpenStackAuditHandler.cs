using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Workflows.Abstractions.Actions;

namespace Workflows.OpenStack.Http;

/// <summary>
/// Records every attempt of an OpenStack call in the run's audit (service, method, path, status,
/// duration, request id) and logs it. Only the path is recorded: never headers, bodies or queries.
/// </summary>
public sealed class OpenStackAuditHandler(IServiceProvider services, TimeProvider clock, ILogger<OpenStackAuditHandler> logger) : DelegatingHandler
{
    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var service = request.Options.TryGetValue(OpenStackRequest.Service, out var s) ? s : "openstack";
        var audit = request.Options.TryGetValue(OpenStackRequest.Audit, out var a) ? a : services.GetService<IStepContextAccessor>()?.Current?.Audit;
        var method = request.Method.Method;
        var path = request.RequestUri?.AbsolutePath ?? string.Empty;
        var started = clock.GetTimestamp();
        try
        {
            var response = await base.SendAsync(request, cancellationToken);
            var elapsed = clock.GetElapsedTime(started);
            var requestId = OpenStackRequest.RequestId(response);
            audit?.RecordCall(new ExternalCall(service, method, path, (int)response.StatusCode, elapsed, requestId));
            logger.LogDebug("{Service} {Method} {Path} -> {Status} in {Elapsed} ms ({RequestId})", service, method, path, (int)response.StatusCode, (long)elapsed.TotalMilliseconds, requestId);
            return response;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            var elapsed = clock.GetElapsedTime(started);
            var error = ex is OperationCanceledException ? "timed out or cancelled" : ex.Message;
            audit?.RecordCall(new ExternalCall(service, method, path, null, elapsed, null, error));
            logger.LogDebug("{Service} {Method} {Path} failed after {Elapsed} ms: {Error}", service, method, path, (long)elapsed.TotalMilliseconds, error);
            throw;
        }
    }
}
