using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Runs;
using Workflows.Engine.Execution;
using Workflows.Engine.Secrets;
using Workflows.Engine.Storage;

namespace Workflows.Server.Tests.Apis;

/// <summary>POST /api/workflows/{name}/runs with an Idempotency-Key (the IETF draft's semantics), through the real server and database.</summary>
public sealed class IdempotentStartTests(ServerFactory server) : IClassFixture<ServerFactory>
{
    private HttpClient Operator => server.ClientWith(ServerFactory.OperatorToken);

    [Fact]
    public async Task TheSameKeyAndBody_AnswerTheSameRun_With202AndTheSameLocation()
    {
        var key = Guid.NewGuid().ToString();
        var who = Who();
        var first = await StartAsync(Operator, key, $"{{\"inputs\": {{\"who\": \"{who}\", \"count\": 1}}}}");
        var again = await StartAsync(Operator, key, $"{{ \"inputs\" : {{ \"count\": 1, \"who\": \"{who}\" }} }}"); // same JSON, other spacing and key order

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal(first.Headers.Location, again.Headers.Location);
        var id = await RunIdAsync(first);
        Assert.Equal(id, await RunIdAsync(again));
        Assert.Equal(1, await CountRunsOfAsync(who));
    }

    [Fact]
    public async Task AStructuredFieldStringKey_AndTheSameBareKey_AreTheSameKey()
    {
        var key = Guid.NewGuid().ToString();
        var quoted = await StartAsync(Operator, $"\"{key}\"", "{\"inputs\": {\"who\": \"bea\"}}");
        var bare = await StartAsync(Operator, key, "{\"inputs\": {\"who\": \"bea\"}}");
        Assert.Equal(await RunIdAsync(quoted), await RunIdAsync(bare));
    }

    [Fact]
    public async Task TheSameKeyWithAnotherBody_IsA422_NamingTheKeyAndTheFirstRun()
    {
        var key = Guid.NewGuid().ToString();
        var (who, other) = (Who(), Who());
        var first = await StartAsync(Operator, key, $"{{\"inputs\": {{\"who\": \"{who}\"}}}}");
        var refused = await StartAsync(Operator, key, $"{{\"inputs\": {{\"who\": \"{other}\"}}}}");

        Assert.Equal((HttpStatusCode)422, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!;
        Assert.Equal($"Idempotency-Key '{key}' was already used for a different request (it started run {await RunIdAsync(first)}); send a new key with a new request.", (string?)problem["detail"]);
        Assert.Equal(1, await CountRunsOfAsync(who));
        Assert.Equal(0, await CountRunsOfAsync(other));
    }

    [Fact]
    public async Task TheSameKeyForAnotherWorkflowOrFromAnotherActor_IsNotTheSameRequest()
    {
        var key = Guid.NewGuid().ToString();
        var mine = await StartAsync(Operator, key, "{\"inputs\": {\"who\": \"eve\"}}");
        var theirs = await StartAsync(server.ClientWith(ServerFactory.AdminToken), key, "{\"inputs\": {\"who\": \"eve\"}}");

        Assert.Equal(HttpStatusCode.Accepted, theirs.StatusCode);
        Assert.NotEqual(await RunIdAsync(mine), await RunIdAsync(theirs));
    }

    [Fact]
    public async Task AKeyWhoseFirstRequestIsStillInProgress_IsA409_WithRetryAfter()
    {
        // The first request committed its run and key but has not answered yet (completed_at is null).
        var key = Guid.NewGuid().ToString();
        var codec = server.Services.GetRequiredService<SecretCodec>();
        var fingerprint = codec.Fingerprint(RunCommands.CanonicalRequest("hello", new Dictionary<string, JsonNode?> { ["who"] = "fay" }));
        var store = server.Services.GetRequiredService<RunStore>();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await using (var c = await store.Database.OpenAsync(default))
        {
            await c.ExecuteAsync(
                "INSERT INTO wf_idempotency (scope, key, fingerprint, run_id, created_at, expires_at) VALUES ('token:operator', @key, @fingerprint, @run, @now, @later)",
                new { key, fingerprint, run = Guid.NewGuid().ToString(), now, later = now + 60_000 });
        }

        var response = await StartAsync(Operator, key, "{\"inputs\": {\"who\": \"fay\"}}");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Contains("is still being processed", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoConcurrentRequestsWithOneKey_StartOneRun()
    {
        var key = Guid.NewGuid().ToString();
        var who = Who();
        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => StartAsync(Operator, key, $"{{\"inputs\": {{\"who\": \"{who}\"}}}}")));

        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.Conflict, r.StatusCode.ToString()));
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.Accepted);
        Assert.Single(responses.Where(r => r.StatusCode == HttpStatusCode.Accepted).Select(r => r.Headers.Location).Distinct());
        Assert.Equal(1, await CountRunsOfAsync(who));
    }

    [Theory]
    [InlineData("\"\"")]
    [InlineData("\"unterminated")]
    [InlineData("\"a\"b\"")]
    public async Task AnInvalidKey_IsA400_NamingTheHeader(string key)
    {
        var response = await StartAsync(Operator, key, "{\"inputs\": {\"who\": \"hal\"}}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.NotNull(problem["errors"]!["Idempotency-Key"]);
    }

    [Fact]
    public async Task AKeyOverTheLimit_IsA400_NamingTheHeader()
    {
        var response = await StartAsync(Operator, new string('k', 256), "{\"inputs\": {\"who\": \"ivy\"}}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("1 to 255 printable ASCII characters", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheStoredKey_HoldsAFingerprint_NeverTheInputs()
    {
        var key = Guid.NewGuid().ToString();
        const string secret = "s3cret-token-value-for-the-fingerprint";
        var response = await StartAsync(Operator, key, $"{{\"inputs\": {{\"who\": \"jan\", \"token\": \"{secret}\"}}}}");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        List<(string Fingerprint, string RunId)> rows;
        await using (var c = await server.Services.GetRequiredService<RunStore>().Database.OpenAsync(default))
        {
            rows = (await c.QueryAsync<(string Fingerprint, string RunId)>("SELECT fingerprint, run_id FROM wf_idempotency WHERE key = @key", new { key })).ToList();
        }

        var row = Assert.Single(rows);
        Assert.Equal(64, row.Fingerprint.Length);
        Assert.DoesNotContain("jan", row.Fingerprint, StringComparison.Ordinal);
        Assert.Equal(await RunIdAsync(response), Guid.Parse(row.RunId));
        var again = await StartAsync(Operator, key, $"{{\"inputs\": {{\"who\": \"jan\", \"token\": \"{secret}-changed\"}}}}");
        Assert.Equal((HttpStatusCode)422, again.StatusCode);
        Assert.DoesNotContain(secret, await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutAKey_EveryRequestStartsARun()
    {
        var first = await StartAsync(Operator, null, "{\"inputs\": {\"who\": \"kim\"}}");
        var second = await StartAsync(Operator, null, "{\"inputs\": {\"who\": \"kim\"}}");
        Assert.NotEqual(await RunIdAsync(first), await RunIdAsync(second));
    }

    private static async Task<HttpResponseMessage> StartAsync(HttpClient client, string? key, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/workflows/hello/runs") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        }

        return await client.SendAsync(request);
    }

    private static async Task<Guid> RunIdAsync(HttpResponseMessage response) =>
        Guid.Parse((string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!);

    /// <summary>A name no other test uses (the input's pattern allows lowercase letters only).</summary>
    private static string Who() => new(Enumerable.Range(0, 16).Select(_ => (char)('a' + Random.Shared.Next(26))).ToArray());

    private async Task<int> CountRunsOfAsync(string who)
    {
        await using var c = await server.Services.GetRequiredService<RunStore>().Database.OpenAsync(default);
        return await c.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM wf_runs WHERE workflow = 'hello' AND inputs LIKE @pattern", new { pattern = $"%\"who\":\"{who}\"%" });
    }
}
