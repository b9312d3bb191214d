using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Data.Sqlite;
using Npgsql;
using Workflows.Engine.Storage;

namespace Workflows.Server.Tests.Apis;

/// <summary>A database outage answers 503 with Retry-After (authentication included), never 500, and the server recovers.</summary>
public sealed class DatabaseOutageTests : IDisposable
{
    private readonly LoopbackProxy proxy;
    private readonly ProxiedServerFactory server;

    public DatabaseOutageTests()
    {
        var admin = Environment.GetEnvironmentVariable("WORKFLOWS_TEST_POSTGRES")
            ?? throw new InvalidOperationException("WORKFLOWS_TEST_POSTGRES is not set: run the suite with `bash .ci/test.sh` (it starts PostgreSQL), or start .ci/services/postgres.sh yourself.");
        var target = new NpgsqlConnectionStringBuilder(admin);
        proxy = new LoopbackProxy(target.Host!, target.Port);
        server = new ProxiedServerFactory(proxy.Port);
        _ = server.Server; // starts the host while the database is reachable
    }

    [Fact]
    public async Task DuringAnOutage_ApiCallsAnswer503WithRetryAfter_IncludingBearerTokenLookups_AndRecoverAfterwards()
    {
        var known = server.ClientWith(ServerFactory.OperatorToken);
        Assert.Equal(HttpStatusCode.OK, (await known.GetAsync("/api/runs")).StatusCode);

        proxy.Down();
        var responses = new List<(string What, HttpResponseMessage Response)>
        {
            ("list runs", await known.GetAsync("/api/runs")),
            ("start a run", await known.PostAsync("/api/workflows/hello/runs", new StringContent("{\"inputs\": {\"who\": \"ada\"}}", Encoding.UTF8, "application/json"))),
            ("a token that is looked up in the database", await server.ClientWith("wft_stored_token_not_in_configuration").GetAsync("/api/runs")),
            ("get a run", await known.GetAsync($"/api/runs/{Guid.NewGuid()}")),
        };

        foreach (var (what, response) in responses)
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{what}: {(int)response.StatusCode} {text}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
            Assert.Contains("cannot reach its database", text, StringComparison.Ordinal);
        }

        proxy.Up();
        // Connections the outage broke are dropped by the pool as they are found broken; a client that honours
        // Retry-After gets its answer once they are gone.
        HttpResponseMessage after;
        var attempts = 0;
        do
        {
            after = await known.GetAsync("/api/runs");
            attempts++;
        }
        while (after.StatusCode == HttpStatusCode.ServiceUnavailable && attempts < 200);

        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    public void Dispose()
    {
        server.Dispose();
        proxy.Dispose();
    }

    private sealed class ProxiedServerFactory(int port) : ServerFactory
    {
        protected override void ConfigureMore(IWebHostBuilder builder)
        {
            // Npgsql's own connect timeout (15 s), not a shorter one: the proxy resets connections at once while it is
            // down, so the outage is seen without waiting, and a 3 s limit only failed opens on a loaded machine.
            var cs = new NpgsqlConnectionStringBuilder(Database) { Host = "127.0.0.1", Port = port, Timeout = 15 };
            builder.UseSetting("Workflows:ConnectionString", cs.ConnectionString);
        }
    }
}

/// <summary>How database failures are told apart from bugs.</summary>
public sealed class DatabaseFailuresTests
{
    [Theory]
    [InlineData("53300")] // too many connections
    [InlineData("57P01")] // admin shutdown
    [InlineData("57P03")] // cannot connect now (starting up)
    [InlineData("08006")] // connection failure
    public void IsUnavailable_IsTrue_ForPostgresStatesOfAnUnavailableServer(string state) =>
        Assert.True(DatabaseFailures.IsUnavailable(new PostgresException("m", "FATAL", "FATAL", state)));

    [Theory]
    [InlineData("23505")] // unique violation: a bug or bad data
    [InlineData("42601")] // syntax error
    public void IsUnavailable_IsFalse_ForErrorsThatRetryingWouldNotFix(string state) =>
        Assert.False(DatabaseFailures.IsUnavailable(new PostgresException("m", "ERROR", "ERROR", state)));

    [Fact]
    public void IsUnavailable_IsTrue_ForALostConnection_EvenWrapped() =>
        Assert.True(DatabaseFailures.IsUnavailable(new InvalidOperationException("outer", new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused)))));

    [Fact]
    public void IsUnavailable_IsTrue_ForABusyOrLockedSqliteDatabase_AndFalseForAConstraint()
    {
        Assert.True(DatabaseFailures.IsUnavailable(new SqliteException("database is locked", 5)));
        Assert.True(DatabaseFailures.IsUnavailable(new SqliteException("database table is locked", 6)));
        Assert.False(DatabaseFailures.IsUnavailable(new SqliteException("UNIQUE constraint failed", 19)));
    }

    [Fact]
    public void IsUnavailable_IsFalse_ForABug() =>
        Assert.False(DatabaseFailures.IsUnavailable(new NullReferenceException()));
}

/// <summary>A TCP proxy on loopback to a database, which a test can take down (refusing and cutting connections) and bring back.</summary>
internal sealed class LoopbackProxy : IDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly string targetHost;
    private readonly int targetPort;
    private readonly List<TcpClient> open = [];
    private readonly Lock gate = new();
    private readonly CancellationTokenSource stop = new();
    private volatile bool down;

    public LoopbackProxy(string targetHost, int targetPort)
    {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _ = AcceptAsync();
    }

    public int Port { get; }

    /// <summary>Cuts every open connection and refuses new ones (they are accepted and closed at once).</summary>
    public void Down()
    {
        down = true;
        lock (gate)
        {
            foreach (var c in open)
            {
                Reset(c);
            }

            open.Clear();
        }
    }

    public void Up() => down = false;

    public void Dispose()
    {
        stop.Cancel();
        listener.Stop();
        Down();
        stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            if (down)
            {
                Reset(client);
                continue;
            }

            _ = PipeAsync(client);
        }
    }

    /// <summary>Closes with a reset, like the kernel of a stopped database server would.</summary>
    private static void Reset(TcpClient client)
    {
        try
        {
            if (client.Client is { Connected: true } socket)
            {
                socket.LingerState = new LingerOption(true, 0);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already gone.
        }

        client.Dispose();
    }

    private async Task PipeAsync(TcpClient client)
    {
        var upstream = new TcpClient();
        lock (gate)
        {
            open.Add(client);
            open.Add(upstream);
        }

        try
        {
            await upstream.ConnectAsync(targetHost, targetPort, stop.Token);
            var a = client.GetStream();
            var b = upstream.GetStream();
            await Task.WhenAny(a.CopyToAsync(b, stop.Token), b.CopyToAsync(a, stop.Token));
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // The test cut the connection.
        }
        finally
        {
            client.Dispose();
            upstream.Dispose();
        }
    }
}
