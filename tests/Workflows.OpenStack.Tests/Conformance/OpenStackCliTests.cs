using System.Diagnostics;
using System.Text.Json;
using Workflows.OpenStack.Sandbox;

namespace Workflows.OpenStack.Tests.Conformance;

/// <summary>
/// The real OpenStack CLI (python3-openstackclient, python3-magnumclient) drives the sandbox over
/// loopback: if its shapes, status codes or discovery documents drift from OpenStack's, these fail.
/// </summary>
public sealed class OpenStackCliTests : IAsyncLifetime
{
    private OpenStackSandboxHost sandbox = null!;

    public async Task InitializeAsync() =>
        sandbox = await OpenStackSandboxHost.StartAsync(new SandboxOptions
        {
            AdminPassword = "cli-pw-" + Guid.NewGuid().ToString("N")[..8],
            ServerBuildDelay = TimeSpan.FromMilliseconds(500),
            ClusterCreateDelay = TimeSpan.FromMilliseconds(500),
        });

    public async Task DisposeAsync() => await sandbox.DisposeAsync();

    [Fact]
    public async Task OpenStackCli_BootsAServerWithAFloatingIpAndCreatesACluster_AgainstTheSandbox()
    {
        var token = await RunJsonAsync("token", "issue");
        Assert.StartsWith("gAAAAA", token.GetProperty("id").GetString());

        var server = await RunJsonAsync("server", "create", "--wait", "--image", "cirros", "--flavor", "m1.tiny", "--network", "private", "cli-vm");
        Assert.Equal("ACTIVE", server.GetProperty("status").GetString());
        var serverId = server.GetProperty("id").GetString()!;

        var ip = await RunJsonAsync("floating", "ip", "create", "public");
        var address = ip.GetProperty("floating_ip_address").GetString()!;
        Assert.StartsWith("172.24.4.", address);

        await RunAsync("server", "add", "floating", "ip", serverId, address);
        var shown = await RunJsonAsync("server", "show", serverId);
        Assert.Contains(address, shown.GetProperty("addresses").ToString(), StringComparison.Ordinal);

        await RunAsync("coe", "cluster", "template", "create", "--coe", "swarm-mode", "--image", "fedora-atomic", "--external-network", "public",
            "--flavor", "m1.small", "--master-flavor", "m1.small", "cli-swarm");
        var accepted = await RunAsync("coe", "cluster", "create", "--cluster-template", "cli-swarm", "--master-count", "1", "--node-count", "2", "cli-cluster");
        Assert.Contains("accepted", accepted, StringComparison.Ordinal);
        var cluster = await RunJsonAsync("coe", "cluster", "show", "cli-cluster");
        Assert.Equal(2, cluster.GetProperty("node_count").GetInt32());
        for (var i = 0; i < 20 && cluster.GetProperty("status").GetString() == "CREATE_IN_PROGRESS"; i++)
        {
            await Task.Delay(200);
            cluster = await RunJsonAsync("coe", "cluster", "show", "cli-cluster");
        }

        Assert.Equal("CREATE_COMPLETE", cluster.GetProperty("status").GetString());

        // magnumclient generates a key and CSR, has the cluster CA sign it and fetches the CA.
        var dir = Directory.CreateTempSubdirectory("wf-coe-config-").FullName;
        try
        {
            var exports = await RunAsync("coe", "cluster", "config", "--dir", dir, "--output-certs", "--force", "cli-cluster");
            Assert.Contains($"DOCKER_HOST={cluster.GetProperty("api_address").GetString()}", exports, StringComparison.Ordinal);
            using var ca = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(dir, "ca.pem")));
            using var cert = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(Path.Combine(dir, "cert.pem"), Path.Combine(dir, "key.pem"));
            Assert.Equal(ca.Subject, cert.Issuer);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }

        await RunAsync("coe", "cluster", "delete", "cli-cluster");
        await RunAsync("floating", "ip", "delete", address);
        await RunAsync("server", "delete", "--wait", serverId);
        Assert.DoesNotContain(serverId, await RunAsync("server", "list", "-f", "value", "-c", "ID"), StringComparison.Ordinal);
    }

    private async Task<JsonElement> RunJsonAsync(params string[] args)
    {
        // "server create --wait" prints "Progress: …" before the document.
        var text = await RunAsync([.. args, "-f", "json"]);
        return JsonDocument.Parse(text[text.IndexOfAny(['{', '['])..]).RootElement.Clone();
    }

    private async Task<string> RunAsync(params string[] args)
    {
        var executable = File.Exists("/usr/bin/openstack") ? "/usr/bin/openstack" : "openstack";
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("OS_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["OS_AUTH_URL"] = sandbox.AuthUrl;
        start.Environment["OS_USERNAME"] = "admin";
        start.Environment["OS_PASSWORD"] = sandbox.Options.AdminPassword;
        start.Environment["OS_PROJECT_NAME"] = "admin";
        start.Environment["OS_USER_DOMAIN_NAME"] = "Default";
        start.Environment["OS_PROJECT_DOMAIN_NAME"] = "Default";
        start.Environment["OS_REGION_NAME"] = "RegionOne";
        start.Environment["OS_IDENTITY_API_VERSION"] = "3";
        start.Environment["OS_INTERFACE"] = "public";
        start.Environment["NO_PROXY"] = "127.0.0.1,localhost";
        start.Environment["no_proxy"] = "127.0.0.1,localhost";
        start.Environment.Remove("HTTP_PROXY");
        start.Environment.Remove("http_proxy");
        start.Environment["HOME"] = Path.GetTempPath();
        start.Environment["SHELL"] = "/bin/sh";

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("The 'openstack' CLI is missing: install the Debian packages in .ci/services/openstack-cli.packages (python3-openstackclient python3-magnumclient).", ex);
        }

        using (process)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            var output = await stdout;
            Assert.True(process.ExitCode == 0, $"openstack {string.Join(' ', args)} exited with {process.ExitCode}:\n{await stderr}\n{output}");
            return output;
        }
    }
}
