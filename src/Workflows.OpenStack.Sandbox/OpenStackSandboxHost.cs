using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Workflows.Abstractions.Clouds;
using Workflows.Abstractions.Secrets;
using Workflows.OpenStack.Sandbox.Apis;
using Workflows.OpenStack.Sandbox.State;

namespace Workflows.OpenStack.Sandbox;

/// <summary>
/// Runs the OpenStack API sandbox on its own Kestrel server bound to 127.0.0.1. Keystone is at
/// <c>{BaseUrl}/identity/v3</c>; the catalog it returns points at the other services on the same port.
/// </summary>
public sealed class OpenStackSandboxHost : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly SandboxState state;

    private OpenStackSandboxHost(WebApplication app, SandboxState state, SandboxOptions options, Uri baseUrl)
    {
        this.app = app;
        this.state = state;
        Options = options;
        BaseUrl = baseUrl;
    }

    /// <summary>Gets the base URL, e.g. <c>http://127.0.0.1:41234</c> (no trailing slash).</summary>
    public Uri BaseUrl { get; }

    /// <summary>Gets the Keystone v3 URL to put in <c>auth_url</c>.</summary>
    public string AuthUrl => $"{BaseUrl.ToString().TrimEnd('/')}/identity/v3";

    /// <summary>Gets every request the sandbox answered (method, path, status), e.g. to prove that planning only reads.</summary>
    public SandboxRequestLog Requests => state.Requests;

    /// <summary>Gets the options the sandbox runs with; <see cref="SandboxOptions.Faults"/> may be changed at run time.</summary>
    public SandboxOptions Options { get; }

    /// <summary>Gets the cloud definition of the <c>admin</c> user in project <c>admin</c>, named <c>sandbox</c>.</summary>
    public CloudRegistration Cloud => CloudNamed("sandbox");

    /// <summary>Starts a sandbox on 127.0.0.1:<paramref name="port"/> (0 picks a free port).</summary>
    /// <exception cref="IOException">When the port is taken.</exception>
    public static async Task<OpenStackSandboxHost> StartAsync(SandboxOptions? options = null, int port = 0, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        options ??= new SandboxOptions();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(OpenStackSandboxHost).Assembly.GetName().Name });
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        builder.Logging.ClearProviders();
        if (loggerFactory is not null)
        {
            builder.Services.AddSingleton(loggerFactory);
        }

        var store = options.Store ?? (options.DataDirectory is { } directory ? new JsonFileSandboxStore(directory) : null);
        var saved = store?.Load();
        var state = new SandboxState(options, saved?["openstack"]);
        if (store is not null)
        {
            state.Persistence = new SandboxPersistence(store, state) { Loaded = saved };
            var kubernetes = new Kubernetes.KubernetesStatePart(state, state.Persistence);
            await kubernetes.RestoreAsync(state.Persistence.Saved(kubernetes.Name), cancellationToken);
            state.Persistence.Register(kubernetes);
            state.Persistence.Save();
        }

        var app = builder.Build();
        app.Use((context, next) => ServeAsync(context, next, state));
        app.MapKeystone(state);
        app.MapGlance(state);
        app.MapNova(state);
        app.MapNeutron(state);
        app.MapMagnum(state);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var actual = new Uri(address).Port;
        return new OpenStackSandboxHost(app, state, options, new Uri($"http://127.0.0.1:{actual.ToString(CultureInfo.InvariantCulture)}"));
    }

    /// <summary>Returns the Kubernetes API of a <c>kubernetes</c> cluster (by uuid), or null when it has none (yet).</summary>
    public Kubernetes.KubernetesApiHost? KubernetesApiOf(string clusterUuid) => state.KubernetesClusters.Find(clusterUuid);

    /// <summary>Returns the admin cloud under another name.</summary>
    public CloudRegistration CloudNamed(string name) =>
        new(name, AuthUrl, Options.Region, "admin", new Secret(Options.AdminPassword), "admin", "Default", "Default", "sandbox");

    /// <summary>Returns a clouds.yaml document with one cloud, <paramref name="name"/>, for this sandbox (includes the password).</summary>
    public string CloudsYaml(string name = "sandbox") =>
        $"""
        clouds:
          {name}:
            auth:
              auth_url: {AuthUrl}
              username: admin
              password: {Options.AdminPassword}
              project_name: admin
              user_domain_name: Default
              project_domain_name: Default
            region_name: {Options.Region}
            interface: public
            identity_api_version: 3

        """;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // The clusters' last changes are saved, then nothing more: stopping their APIs is not deleting them.
        state.Persistence?.Close();
        await state.KubernetesClusters.DisposeAsync();
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private static async Task ServeAsync(HttpContext context, RequestDelegate next, SandboxState state)
    {
        var requestId = SandboxState.NewRequestId();
        var path = context.Request.Path.Value ?? "/";
        context.Response.OnCompleted(() =>
        {
            state.Requests.Add(new SandboxRequest(state.Now, context.Request.Method, path, context.Response.StatusCode, requestId));
            return Task.CompletedTask;
        });
        var service = path.Split('/', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() switch
        {
            "identity" => "identity",
            "image" => "image",
            "compute" => "compute",
            "networking" => "network",
            "container-infra" => "container-infra",
            _ => "unknown",
        };
        context.Response.OnStarting(() =>
        {
            var h = context.Response.Headers;
            h["x-openstack-request-id"] = requestId;
            if (service == "compute")
            {
                h["X-Compute-Request-Id"] = requestId;
                if (context.Items["nova.mv"] is Version mv)
                {
                    h["OpenStack-API-Version"] = $"compute {mv}";
                    h["X-OpenStack-Nova-API-Version"] = mv.ToString();
                    h.Vary = "OpenStack-API-Version, X-OpenStack-Nova-API-Version";
                }
            }
            else if (service == "container-infra")
            {
                h["OpenStack-API-Minimum-Version"] = "container-infra 1.1";
                h["OpenStack-API-Maximum-Version"] = $"container-infra {MagnumApi.MaxVersion}";
                h["OpenStack-API-Version"] = $"container-infra {MagnumApi.VersionHeader(context)}";
            }

            return Task.CompletedTask;
        });

        if (state.Persistence is { } persistence && !HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            // Saved before the client sees the answer: what a caller was told exists survives a crash.
            context.Response.OnStarting(() =>
            {
                persistence.Save();
                return Task.CompletedTask;
            });
        }

        if (state.Options.Faults.Match(service, context.Request.Method, path) is { } fault)
        {
            if (fault.Latency is { } latency)
            {
                await Task.Delay(latency, state.Options.TimeProvider, context.RequestAborted);
            }

            if (fault.StatusCode != 0)
            {
                if (fault.RetryAfterSeconds is { } ra)
                {
                    context.Response.Headers.RetryAfter = ra.ToString(CultureInfo.InvariantCulture);
                }

                await Error(service, fault.StatusCode, "Injected fault: the service is temporarily unavailable.").ExecuteAsync(context);
                return;
            }
        }

        var anonymous = (HttpMethods.IsPost(context.Request.Method) && path.TrimEnd('/') == "/identity/v3/auth/tokens")
            || (HttpMethods.IsGet(context.Request.Method) && IsVersionDocument(path));
        if (!anonymous)
        {
            var token = context.Request.Headers["X-Auth-Token"].ToString();
            bool valid;
            lock (state.Gate)
            {
                valid = state.Tokens.TryGetValue(token, out var t) && t.ExpiresAt > state.Now;
                state.Sweep();
            }

            if (!valid)
            {
                context.Response.Headers.WWWAuthenticate = $"Keystone uri=\"{context.Request.Scheme}://{context.Request.Host}/identity\"";
                await SandboxHttp.Keystone(401, "Unauthorized", "The request you have made requires authentication.").ExecuteAsync(context);
                return;
            }
        }

        try
        {
            await next(context);
        }
        catch (Exception ex) when (!context.Response.HasStarted && ex is not OperationCanceledException)
        {
            context.Response.Clear();
            await Error(service, 500, $"The server has either erred or is incapable of performing the requested operation. ({ex.GetType().Name})").ExecuteAsync(context);
            return;
        }

        if (context.Response.StatusCode == 404 && !context.Response.HasStarted)
        {
            await Error(service, 404, "The resource could not be found.").ExecuteAsync(context);
        }
        else if (context.Response.StatusCode == 405 && !context.Response.HasStarted)
        {
            await Error(service, 405, "The method is not allowed for the requested URL.").ExecuteAsync(context);
        }
    }

    private static bool IsVersionDocument(string path) =>
        path.TrimEnd('/') is "" or "/identity" or "/identity/v3" or "/image" or "/image/versions" or "/compute" or "/compute/v2.1"
            or "/networking" or "/networking/v2.0" or "/container-infra" or "/container-infra/v1";

    private static IResult Error(string service, int status, string message) => service switch
    {
        "compute" => SandboxHttp.Nova(status, message),
        "network" => SandboxHttp.Neutron(status, status == 404 ? "HTTPNotFound" : "HTTPServiceUnavailable", message),
        "container-infra" => SandboxHttp.Magnum(status, message),
        "image" => SandboxHttp.Glance(status, status == 404 ? "Not Found" : "Service Unavailable", message),
        _ => SandboxHttp.Keystone(status, status == 404 ? "Not Found" : "Service Unavailable", message),
    };
}
