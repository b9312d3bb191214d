using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Workflows.OpenStack.Sandbox.Kubernetes;

/// <summary>
/// A sandbox Kubernetes API server: HTTPS on its own loopback port with a certificate signed by the cluster CA,
/// client-certificate authentication against that CA (anything else is 401 with a Status body), the resources and
/// simulated controllers of <see cref="KubeStore"/> and <see cref="KubeController"/>.
/// </summary>
public sealed class KubernetesApiHost : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly KubeController controller;

    private KubernetesApiHost(WebApplication app, KubeController controller, KubeStore store, X509Certificate2 ca, Uri server)
    {
        this.app = app;
        this.controller = controller;
        Store = store;
        Ca = ca;
        Server = server;
    }

    /// <summary>Gets the API address, e.g. <c>https://127.0.0.1:41234</c>.</summary>
    public Uri Server { get; }

    /// <summary>Gets the API address without a trailing slash, as kubeconfig's <c>server</c> and Magnum's <c>api_address</c> hold it.</summary>
    public string Address => Server.ToString().TrimEnd('/');

    /// <summary>Gets the CA that signed the serving certificate and that client certificates must chain to.</summary>
    public X509Certificate2 Ca { get; }

    /// <summary>Gets the cluster's objects (the persistence seam).</summary>
    public KubeStore Store { get; }

    /// <summary>Starts an API server for a cluster whose CA is <paramref name="ca"/> (it must hold its private key).</summary>
    /// <param name="ca">The cluster CA.</param>
    /// <param name="options">Controller timings and clock.</param>
    /// <param name="port">The loopback port; 0 picks a free one.</param>
    /// <param name="state">Objects to start with (a document <see cref="KubeStore.Export"/> wrote), or null for a fresh cluster.</param>
    /// <param name="loggerFactory">Where Kestrel logs go; null for nowhere.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<KubernetesApiHost> StartAsync(X509Certificate2 ca, KubernetesSandboxOptions? options = null, int port = 0, JsonObject? state = null, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ca);
        options ??= new KubernetesSandboxOptions();
        var serverCert = KubernetesPki.CreateServerCertificate(ca, options.TimeProvider);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(KubernetesApiHost).Assembly.GetName().Name });
        builder.WebHost.UseKestrel(k =>
        {
            k.Limits.MinResponseDataRate = null;
            k.Listen(IPAddress.Loopback, port, l => l.UseHttps(new HttpsConnectionAdapterOptions
            {
                ServerCertificate = serverCert,
                ClientCertificateMode = ClientCertificateMode.AllowCertificate,

                // Checked per request against the cluster CA, so a missing or foreign certificate gets a 401 Status body, not a TLS alert.
                ClientCertificateValidation = (_, _, _) => true,
            }));
        });
        builder.Logging.ClearProviders();
        if (loggerFactory is not null)
        {
            builder.Services.AddSingleton(loggerFactory);
        }

        var store = new KubeStore();
        if (state is not null)
        {
            store.Import(state);
        }

        var controller = new KubeController(store, options);
        var api = new KubeApi(store, controller, options);
        var app = builder.Build();
        app.Run(context => ServeAsync(context, api, ca));
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await controller.DisposeAsync();
            await app.DisposeAsync();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var actual = new Uri(address).Port;
        api.Seed(actual);
        return new KubernetesApiHost(app, controller, store, ca, new Uri($"https://127.0.0.1:{actual.ToString(CultureInfo.InvariantCulture)}"));
    }

    /// <summary>
    /// Starts a standalone API server with a fresh CA and writes <c>ca.crt</c>, <c>client.crt</c>, <c>client.key</c>
    /// and <c>kubeconfig</c> (context <paramref name="name"/>, user <c>admin</c> in <c>system:masters</c>) into <paramref name="directory"/>.
    /// </summary>
    public static async Task<StandaloneKubernetesApi> StartStandaloneAsync(string directory, string name = "sandbox", KubernetesSandboxOptions? options = null, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(directory);
        var ca = KubernetesPki.CreateCa($"{name}-ca", options?.TimeProvider);
        var host = await StartAsync(ca, options, cancellationToken: cancellationToken);
        var (cert, key) = KubernetesPki.CreateClientCertificate(ca, "admin", ["system:masters"], options?.TimeProvider);
        var caPem = ca.ExportCertificatePem() + "\n";
        await File.WriteAllTextAsync(Path.Combine(directory, "ca.crt"), caPem, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(directory, "client.crt"), cert, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(directory, "client.key"), key, cancellationToken);
        var kubeconfig = Path.Combine(directory, "kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, KubernetesPki.Kubeconfig(name, host.Address, caPem, cert, key), cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(kubeconfig, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.SetUnixFileMode(Path.Combine(directory, "client.key"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return new StandaloneKubernetesApi(host, kubeconfig, caPem, cert, key);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await controller.DisposeAsync();
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private static async Task ServeAsync(HttpContext context, KubeApi api, X509Certificate2 ca)
    {
        context.Response.Headers["Audit-Id"] = Guid.NewGuid().ToString();
        var cert = await context.Connection.GetClientCertificateAsync(context.RequestAborted);
        if (cert is null || !ChainsTo(cert, ca))
        {
            context.Response.StatusCode = 401;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(KubeStatus.Failure(401, "Unauthorized", "Unauthorized").ToJsonString());
            return;
        }

        await api.HandleAsync(context);
    }

    private static bool ChainsTo(X509Certificate2 cert, X509Certificate2 ca)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.2"));
        return chain.Build(cert);
    }
}

/// <summary>A standalone sandbox Kubernetes API and the files a client needs to reach it.</summary>
/// <param name="Host">The running API server.</param>
/// <param name="KubeconfigPath">The kubeconfig written for user <c>admin</c>.</param>
/// <param name="CaCertificatePem">The cluster CA.</param>
/// <param name="ClientCertificatePem">The client certificate of <c>admin</c>.</param>
/// <param name="ClientKeyPem">Its private key.</param>
public sealed record StandaloneKubernetesApi(KubernetesApiHost Host, string KubeconfigPath, string CaCertificatePem, string ClientCertificatePem, string ClientKeyPem) : IAsyncDisposable
{
    /// <inheritdoc />
    public ValueTask DisposeAsync() => Host.DisposeAsync();
}
