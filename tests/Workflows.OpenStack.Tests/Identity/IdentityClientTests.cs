using Workflows.OpenStack.Identity;

namespace Workflows.OpenStack.Tests.Identity;

public sealed class IdentityClientTests
{
    // The shape of the Keystone v3 API reference's "Password authentication with scoped authorization" response.
    private const string TokenBody = """
        {"token": {
          "methods": ["password"],
          "user": {"domain": {"id": "default", "name": "Default"}, "id": "ee4dfb6e5540447cb3741905149d9b6e", "name": "admin", "password_expires_at": null},
          "audit_ids": ["3T2dc1CGQxyJsHdDu1xkcw"],
          "expires_at": "2015-11-07T02:58:43.578887Z",
          "issued_at": "2015-11-07T01:58:43.578929Z",
          "project": {"domain": {"id": "default", "name": "Default"}, "id": "a6944d763bf64ee6a275f1263fae0352", "name": "admin"},
          "is_domain": false,
          "roles": [{"id": "51cc68287d524c759f47c811e6463340", "name": "admin"}],
          "catalog": [
            {"endpoints": [
              {"id": "068d1b359ee84b438266cb736d81de97", "interface": "public", "region": "RegionOne", "region_id": "RegionOne", "url": "http://example.com/identity"},
              {"id": "8bfc846841ab441ca38471be6d164ced", "interface": "admin", "region": "RegionOne", "region_id": "RegionOne", "url": "http://example.com/identity"}],
             "type": "identity", "id": "050726f278654128aba89757ae25910c", "name": "keystone"},
            {"endpoints": [
              {"id": "1", "interface": "public", "region": "RegionOne", "region_id": "RegionOne", "url": "http://example.com/compute/v2.1"},
              {"id": "2", "interface": "public", "region": "RegionTwo", "region_id": "RegionTwo", "url": "http://two.example.com/compute/v2.1"},
              {"id": "3", "interface": "internal", "region": "RegionOne", "region_id": "RegionOne", "url": "http://10.0.0.1:8774/v2.1"}],
             "type": "compute", "id": "b7f5b5e1", "name": "nova"},
            {"endpoints": [{"id": "4", "interface": "public", "region": "RegionOne", "region_id": "RegionOne", "url": "http://example.com:9511/v1"}],
             "type": "container-infra", "id": "c1", "name": "magnum"}
          ]}}
        """;

    [Fact]
    public void Parse_ReadsExpiryScopeAndCatalog_WhenBodyIsKeystoneV3Token()
    {
        var token = IdentityClient.Parse("gAAAAABWPVk", TokenBody);

        Assert.Equal(new DateTimeOffset(2015, 11, 7, 2, 58, 43, 578, TimeSpan.Zero), token.ExpiresAt.AddTicks(-(token.ExpiresAt.Ticks % TimeSpan.TicksPerMillisecond)));
        Assert.Equal("a6944d763bf64ee6a275f1263fae0352", token.ProjectId);
        Assert.Equal("ee4dfb6e5540447cb3741905149d9b6e", token.UserId);
        Assert.Equal("gAAAAABWPVk", token.Value.Reveal());
        Assert.Equal("***", token.Value.ToString());
    }

    [Theory]
    [InlineData("public", "RegionOne", "http://example.com/compute/v2.1")]
    [InlineData("public", "RegionTwo", "http://two.example.com/compute/v2.1")]
    [InlineData("internal", "RegionOne", "http://10.0.0.1:8774/v2.1")]
    public void GetEndpoint_PicksByInterfaceAndRegion(string @interface, string region, string expected)
    {
        var catalog = IdentityClient.Parse("t", TokenBody).Catalog;

        Assert.Equal(new Uri(expected), catalog.GetEndpoint("compute", @interface, region));
    }

    [Fact]
    public void GetEndpoint_ThrowsConfigurationError_WhenTheServiceIsMissing()
    {
        var catalog = IdentityClient.Parse("t", TokenBody).Catalog;

        var ex = Assert.Throws<OpenStackConfigurationException>(() => catalog.GetEndpoint("network", "public", "RegionOne"));
        Assert.Contains("no network endpoint", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://h/identity", "http://h/identity/v3")]
    [InlineData("http://h/identity/v3/", "http://h/identity/v3")]
    [InlineData("https://h:5000", "https://h:5000/v3")]
    public void AuthBase_AppendsV3_OnlyWhenMissing(string authUrl, string expected)
    {
        Assert.Equal(expected, IdentityClient.AuthBase(authUrl));
    }
}
