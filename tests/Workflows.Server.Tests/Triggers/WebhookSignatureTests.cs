using System.Text;
using Workflows.Abstractions.Secrets;
using Workflows.Server.Triggers;

namespace Workflows.Server.Tests.Triggers;

public sealed class WebhookSignatureTests
{
    private static readonly Secret GitHubSecret = new("It's a Secret to Everybody");
    private static readonly byte[] HelloWorld = Encoding.UTF8.GetBytes("Hello, World!");
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    [Fact]
    public void Sign_GivesGitHubsPublishedSignature_ForTheirExample() =>
        Assert.Equal("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", WebhookSignatures.Sign(GitHubSecret, HelloWorld));

    [Fact]
    public void Verify_Accepts_GitHubsPublishedExample()
    {
        var check = WebhookSignatures.Verify("github", GitHubSecret, H(("X-Hub-Signature-256", "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")), HelloWorld, Now, Window);
        Assert.True(check.Valid, check.Error);
        Assert.Equal("github", check.Provider);
    }

    [Fact]
    public void Verify_Rejects_TamperedBody()
    {
        var check = WebhookSignatures.Verify("github", GitHubSecret, H(("X-Hub-Signature-256", WebhookSignatures.Sign(GitHubSecret, HelloWorld))), Encoding.UTF8.GetBytes("Hello, World?"), Now, Window);
        Assert.False(check.Valid);
        Assert.Contains("does not match", check.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_Rejects_WrongSecret()
    {
        var check = WebhookSignatures.Verify("auto", GitHubSecret, H(("X-Hub-Signature-256", WebhookSignatures.Sign(new Secret("not it"), HelloWorld))), HelloWorld, Now, Window);
        Assert.False(check.Valid);
    }

    [Fact]
    public void Verify_Rejects_MissingHeader_NamingWhatToSend()
    {
        var check = WebhookSignatures.Verify("auto", GitHubSecret, H(), HelloWorld, Now, Window);
        Assert.False(check.Valid);
        Assert.Contains("X-Hub-Signature-256", check.Error, StringComparison.Ordinal);
        Assert.False(WebhookSignatures.Verify("github", GitHubSecret, H(("X-Gitlab-Token", "It's a Secret to Everybody")), HelloWorld, Now, Window).Valid);
    }

    [Fact]
    public void Verify_Rejects_AnyDelivery_WhenNoSecretIsConfigured() =>
        Assert.False(WebhookSignatures.Verify("github", null, H(("X-Hub-Signature-256", WebhookSignatures.Sign(new Secret("x"), HelloWorld))), HelloWorld, Now, Window).Valid);

    [Fact]
    public void Verify_ChecksGitLabToken()
    {
        Assert.True(WebhookSignatures.Verify("gitlab", GitHubSecret, H(("X-Gitlab-Token", "It's a Secret to Everybody")), HelloWorld, Now, Window).Valid);
        Assert.False(WebhookSignatures.Verify("gitlab", GitHubSecret, H(("X-Gitlab-Token", "It's a Secret to Everybody!")), HelloWorld, Now, Window).Valid);
    }

    [Fact]
    public void Verify_AcceptsGenericSignature_InsideTheWindow()
    {
        var ts = Now.AddMinutes(-4).ToUnixTimeSeconds();
        var sig = WebhookSignatures.SignGeneric(GitHubSecret, ts, HelloWorld);
        Assert.True(WebhookSignatures.Verify("generic", GitHubSecret, H(("X-Signature", sig), ("X-Timestamp", ts.ToString(System.Globalization.CultureInfo.InvariantCulture))), HelloWorld, Now, Window).Valid);
    }

    [Fact]
    public void Verify_RejectsGenericSignature_WithStaleTimestamp()
    {
        var ts = Now.AddMinutes(-6).ToUnixTimeSeconds();
        var sig = WebhookSignatures.SignGeneric(GitHubSecret, ts, HelloWorld);
        var check = WebhookSignatures.Verify("generic", GitHubSecret, H(("X-Signature", sig), ("X-Timestamp", ts.ToString(System.Globalization.CultureInfo.InvariantCulture))), HelloWorld, Now, Window);
        Assert.False(check.Valid);
        Assert.Contains("window", check.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_RejectsGenericSignature_WhenTimestampWasChanged()
    {
        var ts = Now.ToUnixTimeSeconds();
        var sig = WebhookSignatures.SignGeneric(GitHubSecret, ts - 10, HelloWorld);
        Assert.False(WebhookSignatures.Verify("generic", GitHubSecret, H(("X-Signature", sig), ("X-Timestamp", ts.ToString(System.Globalization.CultureInfo.InvariantCulture))), HelloWorld, Now, Window).Valid);
    }

    [Fact]
    public void Verify_NeverPutsTheSecretOrExpectedSignatureInItsError()
    {
        var expected = WebhookSignatures.Sign(GitHubSecret, HelloWorld);
        var check = WebhookSignatures.Verify("github", GitHubSecret, H(("X-Hub-Signature-256", "sha256=00")), HelloWorld, Now, Window);
        Assert.DoesNotContain("Secret to Everybody", check.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(expected[7..], check.Error, StringComparison.Ordinal);
    }

    private static Func<string, string?> H(params (string Name, string Value)[] headers) =>
        name => headers.FirstOrDefault(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)).Value;
}
