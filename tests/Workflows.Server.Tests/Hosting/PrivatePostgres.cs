using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Workflows.Server.Tests.Hosting;

/// <summary>
/// A PostgreSQL cluster of this test alone (initdb in a temp folder, like .ci/services/postgres.sh), for settings
/// the shared one must not have, such as PostgreSQL's default <c>max_connections=100</c>.
/// </summary>
public sealed class PrivatePostgres : IDisposable
{
    private readonly string bin;
    private readonly string folder;
    private readonly bool asRoot = Environment.UserName == "root";

    private PrivatePostgres(string bin, string folder, int port)
    {
        this.bin = bin;
        this.folder = folder;
        Port = port;
    }

    /// <summary>Gets the loopback port.</summary>
    public int Port { get; }

    /// <summary>Gets the superuser's connection string (database <c>postgres</c>).</summary>
    public string AdminConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres";

    /// <summary>Creates and starts a cluster with <paramref name="maxConnections"/>.</summary>
    public static PrivatePostgres Start(int maxConnections)
    {
        var bin = Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(Directory.Exists)
            .OrderBy(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0).LastOrDefault()
            ?? throw new InvalidOperationException("No PostgreSQL in /usr/lib/postgresql (apt-get install postgresql).");
        var folder = Directory.CreateTempSubdirectory("wf-pg-").FullName;
        new PrivatePostgres(bin, folder, 0).Run("initdb", "-D", Path.Combine(folder, "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8");

        // PostgreSQL cannot be told to bind port 0: a port probed free is bound, and probed again if another process took
        // it in between (the start fails and the log says the address is in use).
        var log = Path.Combine(folder, "server.log");
        for (var attempt = 1; ; attempt++)
        {
            int port;
            using (var l = new TcpListener(IPAddress.Loopback, 0))
            {
                l.Start();
                port = ((IPEndPoint)l.LocalEndpoint).Port;
            }

            var pg = new PrivatePostgres(bin, folder, port);
            try
            {
                pg.Run("pg_ctl", "-D", Path.Combine(folder, "data"), "-l", log, "-w", "-t", "60", "-o",
                    $"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={folder} -c max_connections={maxConnections} -c fsync=off", "start");
                return pg;
            }
            catch (InvalidOperationException) when (attempt < 5 && File.Exists(log) && File.ReadAllText(log).Contains("Address already in use", StringComparison.Ordinal))
            {
                File.Delete(log);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        try
        {
            Run("pg_ctl", "-D", Path.Combine(folder, "data"), "-m", "immediate", "stop");
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    private void Run(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(asRoot ? "runuser" : Path.Combine(bin, tool)) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (asRoot)
        {
            // PostgreSQL refuses to run as root.
            Chown(folder);
            psi.ArgumentList.Add("-u");
            psi.ArgumentList.Add("postgres");
            psi.ArgumentList.Add("--");
            psi.ArgumentList.Add(Path.Combine(bin, tool));
        }

        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        _ = p.StandardOutput.ReadToEndAsync();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} failed ({p.ExitCode}): {stderr.Result}");
        }
    }

    private static void Chown(string path)
    {
        using var p = Process.Start(new ProcessStartInfo("chown", ["-R", "postgres:postgres", path]) { UseShellExecute = false })!;
        p.WaitForExit();
    }
}
