namespace Workflows.Abstractions.Secrets;

/// <summary>
/// Seals data an action must keep but nobody may read (a Kubernetes Secret's previous data kept for undo) with the
/// server's secret key, the key that encrypts secret inputs and outputs at rest.
/// </summary>
/// <remarks>
/// A sealed text can be stored anywhere (step state, an annotation in the cluster): it reveals nothing without the key
/// and cannot be altered unnoticed. Never log the plain text.
/// </remarks>
public interface ISecretProtector
{
    /// <summary>Returns <paramref name="plaintext"/> encrypted and authenticated.</summary>
    string Protect(string plaintext);

    /// <summary>Returns the plain text of what <see cref="Protect"/> returned.</summary>
    /// <exception cref="System.Security.Cryptography.CryptographicException">It was sealed under another key or altered.</exception>
    string Unprotect(string protectedText);
}
