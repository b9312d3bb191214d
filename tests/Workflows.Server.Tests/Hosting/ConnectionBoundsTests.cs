using System.Collections.Concurrent;
using System.Net;
using Npgsql;
using Workflows.Engine;
using Xunit.Abstractions;

namespace Workflows.Server.Tests.Hosting;

/// <summary>A server's PostgreSQL connections are bounded by configuration, not by its worker count.</summary>
public sealed class ConnectionBoundsTests(ITestOutputHelper output)
{
    private const int Servers = 4;
    private const int StartsPerServer = 15;
    private const int Rounds = 3;

    [Fact]
    public async Task FourServersWithDefaultSettings_OnMaxConnections100_AnswerEveryRunStart_AndStayWithinTheirBound()
    {
        using var pg = PrivatePostgres.Start(maxConnections: 100);
        var database = await PublishedServer.CreateDatabaseAsync(pg.AdminConnectionString);
        var bound = new PostgresPoolOptions().ConnectionsPerServer;

        // One application name per server, so pg_stat_activity tells them apart.
        var servers = new List<PublishedServer>();
        try
        {
            for (var i = 0; i < Servers; i++)
            {
                servers.Add(await PublishedServer.StartAsync(new NpgsqlConnectionStringBuilder(database) { ApplicationName = $"server{i}" }.ConnectionString));
            }

            await Task.WhenAll(servers.Select(s => s.WaitHealthyAsync(TimeSpan.FromMinutes(3))));
            var clients = new List<HttpClient>();
            foreach (var s in servers)
            {
                clients.Add(await s.OperatorClientAsync());
            }

            var idle = await CountAsync(pg.AdminConnectionString);
            var peak = new ConcurrentDictionary<string, int>();
            using var sampling = new CancellationTokenSource();
            var sampler = SampleAsync(pg.AdminConnectionString, peak, sampling.Token);

            // Bounded load: every server gets StartsPerServer run starts at once, Rounds times.
            var answers = new ConcurrentBag<(HttpStatusCode Status, Uri? Location, int Server)>();
            for (var round = 0; round < Rounds; round++)
            {
                await Task.WhenAll(clients.SelectMany((c, i) => Enumerable.Range(0, StartsPerServer).Select(async _ =>
                {
                    using var r = await PublishedServer.StartRunAsync(c);
                    answers.Add((r.StatusCode, r.Headers.Location, i));
                })));
            }

            var statuses = new List<string>();
            foreach (var a in answers.Where(a => a.Location is not null))
            {
                statuses.Add(await PublishedServer.WaitForFinalStatusAsync(clients[a.Server], a.Location!, TimeSpan.FromMinutes(2)));
            }

            await sampling.CancelAsync();
            await sampler;

            output.WriteLine($"connections per server, bound {bound}: idle {Describe(idle)}; peak under load {Describe(peak)}");
            output.WriteLine($"answers: {string.Join(", ", answers.GroupBy(a => a.Status).Select(g => $"{(int)g.Key}x{g.Count()}"))}; runs: {string.Join(", ", statuses.GroupBy(s => s).Select(g => $"{g.Key}x{g.Count()}"))}");

            Assert.All(answers, a => Assert.Equal(HttpStatusCode.Accepted, a.Status));
            Assert.Equal(Servers * StartsPerServer * Rounds, statuses.Count(s => s == "Succeeded"));
            for (var i = 0; i < Servers; i++)
            {
                Assert.InRange(peak.GetValueOrDefault($"server{i}"), 1, bound);
            }

            foreach (var s in servers)
            {
                Assert.DoesNotContain(s.Lines, l => l.Contains("53300", StringComparison.Ordinal) || l.Contains("too many clients", StringComparison.Ordinal));
            }

            foreach (var c in clients)
            {
                c.Dispose();
            }
        }
        finally
        {
            foreach (var s in servers)
            {
                await s.DisposeAsync();
            }
        }
    }

    private static string Describe(IReadOnlyDictionary<string, int> counts) =>
        string.Join(" ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}={c.Value}"));

    private static async Task<Dictionary<string, int>> CountAsync(string admin)
    {
        await using var c = new NpgsqlConnection(admin);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT application_name, count(*)::int FROM pg_stat_activity WHERE application_name LIKE 'server%' GROUP BY application_name", c);
        await using var r = await cmd.ExecuteReaderAsync();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        while (await r.ReadAsync())
        {
            counts[r.GetString(0)] = r.GetInt32(1);
        }

        return counts;
    }

    private static async Task SampleAsync(string admin, ConcurrentDictionary<string, int> peak, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            foreach (var (name, count) in await CountAsync(admin))
            {
                peak.AddOrUpdate(name, count, (_, old) => Math.Max(old, count));
            }

            try
            {
                await Task.Delay(100, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
