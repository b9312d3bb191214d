using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Workflows.Server.Tests.Apis;

/// <summary>The real server on Kestrel (a loopback port), so that what Kestrel itself decides (body limits, path decoding) is tested too.</summary>
public sealed class KestrelServerFactory : ServerFactory
{
    public KestrelServerFactory() => UseKestrel(0); // a dynamic port on 127.0.0.1

    protected override Uri? ServerAddress
    {
        get
        {
            StartServer();
            return new Uri(Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
        }
    }
}

/// <summary>Every error of the API is an RFC 9457 document that names the field or the problem, the same for every endpoint.</summary>
public sealed class ProblemDetailsTests(KestrelServerFactory server) : IClassFixture<KestrelServerFactory>
{
    private static readonly string AnyRun = Guid.NewGuid().ToString();

    /// <summary>Endpoints that take a body, with a string (or object) field of that body to put bad values in.</summary>
    public static TheoryData<string, string, string> BodyEndpoints => new()
    {
        { "/api/workflows/hello/runs", "inputs", "object" },
        { $"/api/runs/{AnyRun}/cancel", "reason", "string" },
        { $"/api/runs/{AnyRun}/retry", "fromStep", "string" },
        { $"/api/runs/{AnyRun}/retry", "inputs", "object" },
        { $"/api/runs/{AnyRun}/steps/gate/approve", "comment", "string" },
        { $"/api/runs/{AnyRun}/steps/gate/reject", "comment", "string" },
        { "/api/tokens", "name", "string" },
    };

    [Theory]
    [MemberData(nameof(BodyEndpoints))]
    public async Task MalformedJson_IsA400_SayingWhereTheJsonBreaks(string path, string field, string kind)
    {
        _ = kind;
        var problem = await AssertProblemAsync(await PostAsync(path, $"{{\"{field}\": "), 400);
        Assert.Contains("not valid JSON", Detail(problem), StringComparison.Ordinal);
        Assert.Contains("line 1", Detail(problem), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(BodyEndpoints))]
    public async Task ATopLevelArray_IsA400_SayingTheBodyMustBeAnObject(string path, string field, string kind)
    {
        _ = (field, kind);
        var problem = await AssertProblemAsync(await PostAsync(path, "[1, 2]"), 400);
        Assert.Equal("The body must be a JSON object.", Detail(problem));
    }

    [Theory]
    [MemberData(nameof(BodyEndpoints))]
    public async Task AFieldOfTheWrongType_IsA400_NamingTheFieldAndTheExpectedType(string path, string field, string kind)
    {
        var wrong = kind == "object" ? "[\"a\", \"b\"]" : "{\"nested\": true}";
        var problem = await AssertProblemAsync(await PostAsync(path, $"{{\"{field}\": {wrong}}}"), 400);
        var expected = kind == "object" ? "must be a JSON object" : "must be a string";
        Assert.Equal(expected, (string?)problem["errors"]![field]![0]);
        Assert.Contains(field, Detail(problem), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(BodyEndpoints))]
    public async Task AStringWhereAnObjectBelongs_OrANumberWhereAStringBelongs_IsA400_NamingTheField(string path, string field, string kind)
    {
        var wrong = kind == "object" ? "\"who=ada\"" : "5";
        var problem = await AssertProblemAsync(await PostAsync(path, $"{{\"{field}\": {wrong}}}"), 400);
        Assert.NotNull(problem["errors"]![field]);
    }

    [Theory]
    [MemberData(nameof(BodyEndpoints))]
    public async Task InvalidUtf8_IsA400_NamingTheField(string path, string field, string kind)
    {
        var before = Encoding.UTF8.GetBytes(kind == "object" ? $"{{\"{field}\": {{\"who\": \"" : $"{{\"{field}\": \"");
        var after = Encoding.UTF8.GetBytes(kind == "object" ? "\"}}" : "\"}");
        byte[] body = [.. before, 0xC3, 0x28, .. after];
        var problem = await AssertProblemAsync(await PostAsync(path, new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } }), 400);
        Assert.Contains("not valid Unicode", Detail(problem), StringComparison.Ordinal);
        Assert.StartsWith(field, ((JsonObject)problem["errors"]!).Single().Key, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(BodyEndpoints))]
    public async Task ALoneSurrogate_IsA400_NamingTheField(string path, string field, string kind)
    {
        var json = kind == "object" ? $"{{\"{field}\": {{\"who\": \"\\ud800\"}}}}" : $"{{\"{field}\": \"a\\udc00b\"}}";
        var problem = await AssertProblemAsync(await PostAsync(path, json), 400);
        Assert.Contains("lone surrogate", (string?)((JsonObject)problem["errors"]!).Single().Value![0], StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(BodyEndpoints))]
    public async Task TwoThousandLevelsOfNesting_IsA400_NamingTheProblem(string path, string field, string kind)
    {
        var deep = new string('[', 2000) + new string(']', 2000);
        var json = kind == "object" ? $"{{\"{field}\": {{\"who\": {deep}}}}}" : $"{{\"{field}\": {deep}}}";
        var problem = await AssertProblemAsync(await PostAsync(path, json), 400);
        var text = problem.ToJsonString();
        Assert.True(text.Contains("depth", StringComparison.Ordinal) || text.Contains("must be a string", StringComparison.Ordinal), text);
    }

    [Theory]
    [MemberData(nameof(BodyEndpoints))]
    public async Task AWrongContentType_IsA415_SayingWhatToSend(string path, string field, string kind)
    {
        _ = kind;
        var problem = await AssertProblemAsync(await PostAsync(path, new StringContent($"{{\"{field}\": null}}", Encoding.UTF8, "text/plain")), 415);
        Assert.Equal("The body must be JSON: send Content-Type: application/json (got 'text/plain; charset=utf-8').", Detail(problem));
    }

    [Theory]
    [MemberData(nameof(BodyEndpoints))]
    public async Task AMissingContentType_IsA415_SayingWhatToSend(string path, string field, string kind)
    {
        _ = kind;
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes($"{{\"{field}\": null}}"));
        var problem = await AssertProblemAsync(await PostAsync(path, content), 415);
        Assert.Equal("The body must be JSON: send Content-Type: application/json (none was sent).", Detail(problem));
    }

    [Fact]
    public async Task AFortyMegabyteBody_IsA413_NamingTheLimit()
    {
        var content = new ByteArrayContent(new byte[40 * 1024 * 1024]) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/workflows/hello/runs") { Content = content };
        request.Headers.ExpectContinue = true; // as curl sends it for large bodies
        var problem = await AssertProblemAsync(await Admin.SendAsync(request), 413);
        Assert.Equal("The body is larger than the API's limit of 4194304 bytes (Api:MaxBodyBytes).", Detail(problem));
    }

    [Fact]
    public async Task AChunkedBodyOverTheLimit_IsA413_Too()
    {
        var content = new StreamContent(new MemoryStream(new byte[5 * 1024 * 1024])) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/workflows/hello/runs") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        var problem = await AssertProblemAsync(await Admin.SendAsync(request), 413);
        Assert.Contains("Api:MaxBodyBytes", Detail(problem), StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string> BadQueries => new()
    {
        { "/api/runs?from=notadate", "from", "'notadate' is not a date-time such as 2026-01-31T12:00:00Z" },
        { "/api/runs?to=yesterday", "to", "'yesterday' is not a date-time such as 2026-01-31T12:00:00Z" },
        { "/api/runs?page=first", "page", "'first' is not an integer" },
        { "/api/runs?pageSize=0", "pageSize", "must be between 1 and 500" },
        { "/api/runs?status=sleeping", "status", "'sleeping' is not a run status: use Queued, Running, Compensating, Cancelling, Succeeded, Failed, Cancelled" },
        { $"/api/runs/{AnyRun}/audit?after=x", "after", "'x' is not an integer" },
        { $"/api/runs/{AnyRun}/logs?max=lots", "max", "'lots' is not an integer" },
        { "/api/resources?orphans=maybe", "orphans", "'maybe' is not true or false" },
        { "/api/resources?deletedReason=vanished", "deletedReason", "'vanished' is not why a resource left the ledger: use Deleted or Gone" },
        { "/api/webhooks/any/deliveries?max=many", "max", "'many' is not an integer" },
    };

    [Theory]
    [MemberData(nameof(BadQueries))]
    public async Task ABadQueryValue_IsA400_NamingTheParameterAndQuotingAShortPrefix(string path, string parameter, string message)
    {
        var problem = await AssertProblemAsync(await Admin.GetAsync(path), 400);
        var said = (string?)problem["errors"]![parameter]![0];
        if (parameter == "status")
        {
            Assert.StartsWith("'sleeping' is not a run status", said, StringComparison.Ordinal);
            return;
        }

        Assert.Equal(message, said);
    }

    [Fact]
    public async Task AVeryLongBadQueryValue_IsEchoedOnlyAsAShortPrefix()
    {
        var value = new string('9', 5000) + "x";
        var problem = await AssertProblemAsync(await Admin.GetAsync($"/api/runs?from={value}"), 400);
        var said = (string)problem["errors"]!["from"]![0]!;
        Assert.True(said.Length < 150, said);
        Assert.Contains("(5001 characters)", said, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET", "/api/runs/not-a-guid")]
    [InlineData("GET", "/api/runs/not-a-guid/audit")]
    [InlineData("POST", "/api/runs/not-a-guid/cancel")]
    public async Task ARunIdThatIsNotAGuid_IsA404_SayingSo(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "POST" ? new StringContent("{}", Encoding.UTF8, "application/json") : null };
        var problem = await AssertProblemAsync(await Admin.SendAsync(request), 404);
        Assert.StartsWith("'not-a-guid' is not a run id", Detail(problem), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownRun_IsA404_NamingTheRun()
    {
        var problem = await AssertProblemAsync(await Admin.GetAsync($"/api/runs/{AnyRun}"), 404);
        Assert.Equal($"Run {AnyRun} does not exist.", Detail(problem));
    }

    [Fact]
    public async Task AWorkflowNameWithANulCharacter_IsRefusedByKestrelItself_BeforeTheApplication()
    {
        // Kestrel rejects a NUL in the decoded path with its own empty 400 before any middleware runs (a deliberate
        // protection that cannot be hooked); what the application answers for odd names is covered below.
        var response = await Admin.GetAsync("/api/workflows/%00");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await AssertProblemAsync(await Admin.GetAsync("/api/workflows/%01%7F"), 404);
        Assert.Equal("Workflow '\u0001\u007F' does not exist.", Detail(problem));
    }

    [Fact]
    public async Task AnUnknownApiPath_IsA404_NamingThePath()
    {
        var problem = await AssertProblemAsync(await Admin.GetAsync("/api/nothing-here"), 404);
        Assert.Equal("There is no endpoint GET '/api/nothing-here'.", Detail(problem));
    }

    [Fact]
    public async Task AWrongMethod_IsA405()
    {
        var problem = await AssertProblemAsync(await Admin.DeleteAsync("/api/workflows"), 405);
        Assert.Equal("DELETE is not allowed on '/api/workflows'.", Detail(problem));
    }

    [Fact]
    public async Task MissingOrUnknownCredentials_AreA401_AndAViewerStartingARun_IsA403()
    {
        var anonymous = await AssertProblemAsync(await server.ClientWith(null).GetAsync("/api/runs"), 401);
        Assert.StartsWith("Authentication is required", Detail(anonymous), StringComparison.Ordinal);
        var unknown = await AssertProblemAsync(await server.ClientWith("wft_unknown_token").GetAsync("/api/runs"), 401);
        Assert.Equal("The credentials are not valid: the API token is unknown or expired.", Detail(unknown));
        var viewer = server.ClientWith(ServerFactory.ViewerToken);
        await AssertProblemAsync(await viewer.PostAsync("/api/workflows/hello/runs", new StringContent("{}", Encoding.UTF8, "application/json")), 403);
    }

    [Fact]
    public async Task NoErrorAnswerOfTheApi_ComesWithoutABody_AndNoneIsA500()
    {
        // A sweep over the cases above on one endpoint each, checking only the invariant: a problem document, never a 500.
        var requests = new List<Func<Task<HttpResponseMessage>>>
        {
            () => PostAsync("/api/workflows/hello/runs", "{\"inputs\": 5}"),
            () => PostAsync("/api/workflows/hello/runs", "\"just a string\""),
            () => PostAsync("/api/workflows/hello/runs", "null"),
            () => PostAsync("/api/workflows/hello/runs", "{\"inputs\": {\"who\": \"ada\", \"count\": \"many\"}}"),
            () => PostAsync($"/api/runs/{AnyRun}/retry", "{\"fromStep\": [\"a\"]}"),
            () => PostAsync("/api/tokens", "{\"name\": \"x\", \"role\": 5}"),
            () => PostAsync("/api/tokens", "{\"name\": \"x\", \"role\": \"viewer\", \"expiresInDays\": \"soon\"}"),
            () => Admin.GetAsync("/api/runs?from=%00"),
        };
        foreach (var send in requests)
        {
            var response = await send();
            Assert.NotEqual(HttpStatusCode.InternalServerError, response.StatusCode);
            Assert.True((int)response.StatusCode is >= 400 and < 500, $"{response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.False(string.IsNullOrWhiteSpace(Detail(JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject())));
        }
    }

    private HttpClient Admin => server.ClientWith(ServerFactory.AdminToken);

    private static string Detail(JsonObject problem) => (string?)problem["detail"] ?? "";

    private static async Task<JsonObject> AssertProblemAsync(HttpResponseMessage response, int status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(text)!.AsObject();
        Assert.Equal(status, (int)problem["status"]!);
        Assert.False(string.IsNullOrWhiteSpace((string?)problem["title"]));
        return problem;
    }

    private Task<HttpResponseMessage> PostAsync(string path, string json) =>
        PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    private Task<HttpResponseMessage> PostAsync(string path, HttpContent content) => Admin.PostAsync(path, content);
}
