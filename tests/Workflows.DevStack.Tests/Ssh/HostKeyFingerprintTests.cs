using Workflows.DevStack.Ssh;

namespace Workflows.DevStack.Tests.Ssh;

public sealed class HostKeyFingerprintTests
{
    [Theory]
    [InlineData("SHA256:abc", "SHA256:abc")]
    [InlineData("abc=", "SHA256:abc")]
    [InlineData(" sha256:abc ", "SHA256:abc")]
    [InlineData("", null)]
    public void Normalize_ReturnsSshKeygenForm(string input, string? expected) =>
        Assert.Equal(expected, HostKeyFingerprint.Normalize(input));

    [Fact]
    public void Matches_IsCaseSensitive_BecauseBase64Is() =>
        Assert.False(HostKeyFingerprint.Matches("SHA256:abc", "SHA256:ABC"));
}
