using Workflows.Abstractions.Secrets;

namespace Workflows.Engine.Secrets;

/// <summary>The <see cref="ISecretProtector"/> of the engine: AES-256-GCM under <c>Workflows:SecretKey</c>, as secrets at rest.</summary>
public sealed class CodecSecretProtector(SecretCodec codec) : ISecretProtector
{
    /// <inheritdoc />
    public string Protect(string plaintext) => codec.EncryptText(plaintext);

    /// <inheritdoc />
    public string Unprotect(string protectedText) => codec.DecryptText(protectedText);
}
