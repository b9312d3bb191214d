using System.Globalization;
using System.Runtime.InteropServices;
using Workflows.OpenStack.Sandbox;

// Standalone sandbox: `dotnet run --project src/Workflows.OpenStack.Sandbox [-- --port 5000 --build-delay 3]`
// prints a clouds.yaml entry and serves until Ctrl+C.
// `-- --kubernetes DIR [--pod-ready-delay 2]` serves a standalone Kubernetes API instead and writes DIR/kubeconfig.
var port = 0;
string? kubernetesDirectory = null;
var kubernetesOptions = new Workflows.OpenStack.Sandbox.Kubernetes.KubernetesSandboxOptions();
var options = new SandboxOptions();
for (var i = 0; i + 1 < args.Length; i += 2)
{
    var value = args[i + 1];
    switch (args[i])
    {
        case "--port": port = int.Parse(value, CultureInfo.InvariantCulture); break;
        case "--password": options.AdminPassword = value; break;
        case "--build-delay": options.ServerBuildDelay = TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture)); break;
        case "--cluster-delay": options.ClusterCreateDelay = TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture)); break;
        case "--swarm-api-address": options.SwarmApiAddress = value; break;
        case "--kubernetes": kubernetesDirectory = value; break;
        case "--pod-ready-delay":
            kubernetesOptions.PodReadyDelay = options.Kubernetes.PodReadyDelay = TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture));
            break;
        case "--error-rate": options.Faults.Add(new FaultRule(ErrorRate: double.Parse(value, CultureInfo.InvariantCulture))); break;
        default: await Console.Error.WriteLineAsync($"unknown option {args[i]}"); return 2;
    }
}

using var stop = new CancellationTokenSource();
if (kubernetesDirectory is not null)
{
    await using var kube = await Workflows.OpenStack.Sandbox.Kubernetes.KubernetesApiHost.StartStandaloneAsync(kubernetesDirectory, options: kubernetesOptions);
    using var kubeSigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
    using var kubeSigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
    Console.WriteLine($"# Kubernetes sandbox API on {kube.Host.Address}; export KUBECONFIG={kube.KubeconfigPath}");
    Console.Out.Flush();
    try
    {
        await Task.Delay(Timeout.Infinite, stop.Token);
    }
    catch (OperationCanceledException)
    {
        // Ctrl+C or SIGTERM.
    }

    return 0;
}

await using var sandbox = await OpenStackSandboxHost.StartAsync(options, port);
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
Console.WriteLine($"# OpenStack sandbox listening on {sandbox.BaseUrl}; save as clouds.yaml and use OS_CLOUD=sandbox");
Console.Write(sandbox.CloudsYaml());
Console.Out.Flush();
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
    // Ctrl+C or SIGTERM: dispose stops Kestrel.
}

return 0;

void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}
