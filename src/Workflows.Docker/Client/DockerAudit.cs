using System.Diagnostics;
using Docker.DotNet;
using Workflows.Abstractions.Actions;

namespace Workflows.Docker.Client;

/// <summary>Times a Docker API call and summarises it in the run's audit (method, path, status, duration).</summary>
public static class DockerAudit
{
    /// <summary>Runs <paramref name="call"/> and records it.</summary>
    public static async Task<T> CallAsync<T>(StepContext context, DockerEndpoint endpoint, string method, string path, Func<Task<T>> call)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await call();
            // Docker.DotNet does not expose the 2xx code it got; success is "no error".
            context.Audit.RecordCall(new ExternalCall("docker", method, $"{endpoint}{path}", null, Stopwatch.GetElapsedTime(started)));
            return result;
        }
        catch (DockerApiException ex)
        {
            context.Audit.RecordCall(new ExternalCall("docker", method, $"{endpoint}{path}", (int)ex.StatusCode, Stopwatch.GetElapsedTime(started), Error: DockerErrors.Message(ex)));
            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            context.Audit.RecordCall(new ExternalCall("docker", method, $"{endpoint}{path}", null, Stopwatch.GetElapsedTime(started), Error: ex.GetType().Name));
            throw;
        }
    }

    /// <summary>Runs <paramref name="call"/> and records it.</summary>
    public static Task CallAsync(StepContext context, DockerEndpoint endpoint, string method, string path, Func<Task> call) =>
        CallAsync(context, endpoint, method, path, async () =>
        {
            await call();
            return true;
        });
}
