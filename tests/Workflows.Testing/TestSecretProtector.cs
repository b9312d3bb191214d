using System.Security.Cryptography;
using System.Text;
using Workflows.Abstractions.Secrets;

namespace Workflows.Testing;

/// <summary>An <see cref="ISecretProtector"/> for action tests: AES-256-GCM under a random key, as the engine's is under its secret key.</summary>
public sealed class TestSecretProtector : ISecretProtector
{
    private readonly byte[] key = RandomNumberGenerator.GetBytes(32);
    private int sealedCount;

    /// <summary>Gets how many texts were sealed.</summary>
    public int Sealed => Volatile.Read(ref sealedCount);

    /// <inheritdoc />
    public string Protect(string plaintext)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        Interlocked.Increment(ref sealedCount);
        var data = Encoding.UTF8.GetBytes(plaintext);
        var nonce = RandomNumberGenerator.GetBytes(12);
        var cipher = new byte[data.Length];
        var tag = new byte[16];
        using var aes = new AesGcm(key, 16);
        aes.Encrypt(nonce, data, cipher, tag);
        return Convert.ToBase64String([.. nonce, .. cipher, .. tag]);
    }

    /// <inheritdoc />
    public string Unprotect(string protectedText)
    {
        ArgumentNullException.ThrowIfNull(protectedText);
        var all = Convert.FromBase64String(protectedText);
        if (all.Length < 28)
        {
            throw new CryptographicException("The protected text is too short to have been sealed by this protector.");
        }

        var plain = new byte[all.Length - 28];
        using var aes = new AesGcm(key, 16);
        aes.Decrypt(all.AsSpan(0, 12), all.AsSpan(12, plain.Length), all.AsSpan(all.Length - 16), plain);
        return Encoding.UTF8.GetString(plain);
    }
}
