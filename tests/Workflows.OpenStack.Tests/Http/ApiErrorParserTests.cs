using System.Net;
using Workflows.OpenStack.Http;

namespace Workflows.OpenStack.Tests.Http;

/// <summary>Error bodies as the OpenStack API reference documents them.</summary>
public sealed class ApiErrorParserTests
{
    [Fact]
    public void ToException_ReadsNovaMessage_WhenBodyIsComputeFault()
    {
        const string body = """{"itemNotFound": {"code": 404, "message": "Instance 9b7a3c2e-2f4d-4c3e-9d1e-0f7a2b1c3d4e could not be found."}}""";

        var ex = ApiErrorParser.ToException("compute", "GET", "/compute/v2.1/servers/9b7a", HttpStatusCode.NotFound, body, "req-1b2c");

        var notFound = Assert.IsType<OpenStackNotFoundException>(ex);
        Assert.Equal("Instance 9b7a3c2e-2f4d-4c3e-9d1e-0f7a2b1c3d4e could not be found.", notFound.ApiMessage);
        Assert.Equal("itemNotFound", notFound.ApiErrorType);
        Assert.Equal("req-1b2c", notFound.RequestId);
        Assert.Equal("compute GET /compute/v2.1/servers/9b7a returned 404 NotFound: Instance 9b7a3c2e-2f4d-4c3e-9d1e-0f7a2b1c3d4e could not be found. (request req-1b2c)", notFound.Message);
    }

    [Fact]
    public void ToException_ReadsBadRequestMessage_WhenNovaRejectsTheBody()
    {
        const string body = """{"badRequest": {"code": 400, "message": "Invalid key_name provided."}}""";

        var ex = ApiErrorParser.ToException("compute", "POST", "/servers", HttpStatusCode.BadRequest, body, null);

        Assert.Equal(HttpStatusCode.BadRequest, ex.StatusCode);
        Assert.Equal("Invalid key_name provided.", ex.ApiMessage);
        Assert.False(ex.IsTransient);
    }

    [Fact]
    public void ToException_IsQuotaExceeded_WhenNeutronAnswersOverQuota()
    {
        const string body = """{"NeutronError": {"type": "OverQuota", "message": "Quota exceeded for resources: ['floatingip'].", "detail": ""}}""";

        var ex = ApiErrorParser.ToException("network", "POST", "/v2.0/floatingips", HttpStatusCode.Conflict, body, "req-9");

        var quota = Assert.IsType<OpenStackQuotaExceededException>(ex);
        Assert.Equal("OverQuota", quota.ApiErrorType);
        Assert.Equal("Quota exceeded for resources: ['floatingip'].", quota.ApiMessage);
        Assert.False(quota.IsTransient);
    }

    [Fact]
    public void ToException_IsQuotaExceeded_WhenNovaAnswers403QuotaExceeded()
    {
        const string body = """{"forbidden": {"code": 403, "message": "Quota exceeded for instances: Requested 1, but already used 10 of 10 instances"}}""";

        Assert.IsType<OpenStackQuotaExceededException>(ApiErrorParser.ToException("compute", "POST", "/servers", HttpStatusCode.Forbidden, body, null));
    }

    [Fact]
    public void ToException_ReadsMagnumErrorsArray_WhenMagnumAnswers404()
    {
        const string body = """{"errors": [{"request_id": "", "code": "client", "status": 404, "title": "Cluster k8s could not be found", "detail": "Cluster k8s could not be found.", "links": []}]}""";

        var ex = ApiErrorParser.ToException("container-infra", "GET", "/v1/clusters/k8s", HttpStatusCode.NotFound, body, "req-m");

        Assert.IsType<OpenStackNotFoundException>(ex);
        Assert.Equal("Cluster k8s could not be found.", ex.ApiMessage);
    }

    [Fact]
    public void ToException_ReadsKeystoneError_WhenCredentialsAreWrong()
    {
        const string body = """{"error": {"code": 401, "message": "The request you have made requires authentication.", "title": "Unauthorized"}}""";

        var ex = ApiErrorParser.ToException("identity", "POST", "/v3/auth/tokens", HttpStatusCode.Unauthorized, body, null);

        Assert.IsType<OpenStackAuthenticationException>(ex);
        Assert.Equal("The request you have made requires authentication.", ex.ApiMessage);
    }

    [Fact]
    public void Parse_ReadsTheTextAfterTheHeading_WhenGlanceAnswersHtml()
    {
        const string body = "<html>\n <head>\n  <title>404 Not Found</title>\n </head>\n <body>\n  <h1>404 Not Found</h1>\n  No image found with ID cirros<br /><br />\n\n\n\n </body>\n</html>";

        Assert.Equal("No image found with ID cirros", ApiErrorParser.Parse(body).Message);
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable, true)]
    [InlineData(HttpStatusCode.TooManyRequests, true)]
    [InlineData(HttpStatusCode.InternalServerError, true)]
    [InlineData(HttpStatusCode.Conflict, false)]
    public void IsTransient_IsTrueOnlyForServerErrorsAndThrottling(HttpStatusCode status, bool transient)
    {
        Assert.Equal(transient, ApiErrorParser.ToException("compute", "GET", "/", status, "{}", null).IsTransient);
    }
}
