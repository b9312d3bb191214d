using System.Net;
using Npgsql;

namespace Workflows.Server.Tests.Hosting;

/// <summary>The production path of the README: the published server started like the Dockerfile's entry point, on PostgreSQL.</summary>
public sealed class ProductionStartTests
{
    [Fact]
    public async Task PublishedServer_ListensWhereAspNetCoreUrlsSays_MigratesAnEmptyDatabase_AndServesARun()
    {
        var cs = await PublishedServer.CreateDatabaseAsync(PublishedServer.AdminConnectionString);
        await using var server = await PublishedServer.StartAsync(cs);

        await server.WaitHealthyAsync(TimeSpan.FromMinutes(2));

        // ASPNETCORE_URLS wins: the banner names its address and nothing else — the port bound, not the 0 asked for,
        // and one that answers.
        Assert.Equal("http://127.0.0.1:0", server.Environment["ASPNETCORE_URLS"]);
        var banner = server.Lines.Where(l => l.Contains("Workflows portal:", StringComparison.Ordinal)).ToList();
        Assert.Single(banner);
        var url = System.Text.RegularExpressions.Regex.Match(banner[0], @"Workflows portal: (\S+)").Groups[1].Value;
        Assert.Matches(@"^http://127\.0\.0\.1:[1-9][0-9]*$", url);
        using (var direct = new HttpClient())
        {
            Assert.Equal(HttpStatusCode.OK, (await direct.GetAsync($"{url}/healthz")).StatusCode);
        }

        // Every component's migrations and Hangfire's schema were applied on the empty database.
        await using (var c = new NpgsqlConnection(cs))
        {
            await c.OpenAsync();
            await using var cmd = new NpgsqlCommand("SELECT count(*) FROM wf_schema WHERE component = 'engine'", c);
            Assert.Equal((long)Workflows.Engine.Storage.EngineSchema.Migrations.Count, (long)(await cmd.ExecuteScalarAsync())!);
            await using var components = new NpgsqlCommand("SELECT count(DISTINCT component) FROM wf_schema WHERE component IN ('engine', 'server', 'triggers')", c);
            Assert.Equal(3L, (long)(await components.ExecuteScalarAsync())!);
            await using var hf = new NpgsqlCommand("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'hangfire' AND table_name IN ('job', 'jobqueue', 'server', 'schema')", c);
            Assert.Equal(4L, (long)(await hf.ExecuteScalarAsync())!);
        }

        // A token from the CLI against the same database, then a run through the API, end to end.
        using var client = await server.OperatorClientAsync();
        using var started = await PublishedServer.StartRunAsync(client);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        Assert.Equal("Succeeded", await PublishedServer.WaitForFinalStatusAsync(client, started.Headers.Location!, TimeSpan.FromMinutes(1)));

        Assert.DoesNotContain(server.Lines, l => l.Contains(" fail: ", StringComparison.Ordinal) || l.Contains(" crit: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TwoServersStartedTogetherOnAnEmptyDatabase_BothBecomeHealthy_AndLogNoFailure()
    {
        var cs = await PublishedServer.CreateDatabaseAsync(PublishedServer.AdminConnectionString);
        var starting = await Task.WhenAll(PublishedServer.StartAsync(cs), PublishedServer.StartAsync(cs));
        await using var first = starting[0];
        await using var second = starting[1];

        await Task.WhenAll(first.WaitHealthyAsync(TimeSpan.FromMinutes(2)), second.WaitHealthyAsync(TimeSpan.FromMinutes(2)));

        foreach (var server in starting)
        {
            Assert.DoesNotContain(server.Lines, l => l.Contains(" fail: ", StringComparison.Ordinal) || l.Contains(" crit: ", StringComparison.Ordinal));
        }

        // Exactly one of them created the first admin, so the one password printed is the one that works.
        Assert.Single(starting, s => s.Lines.Any(l => l.Contains("created user 'admin' with one-time password", StringComparison.Ordinal)));

        // Each schema change was applied once.
        await using var c = new NpgsqlConnection(cs);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM wf_schema WHERE component = 'engine'", c);
        Assert.Equal((long)Workflows.Engine.Storage.EngineSchema.Migrations.Count, (long)(await cmd.ExecuteScalarAsync())!);
    }
}
