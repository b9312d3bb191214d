using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Secrets;

namespace Workflows.DevStack.Ssh;

/// <summary>The server's own SSH key (<see cref="DevStackOptions.PrivateKeyFile"/>, else the user's default identity files).</summary>
public static class ServerKey
{
    private static readonly string[] DefaultFiles = ["id_ed25519", "id_ecdsa", "id_rsa"];

    /// <summary>Reads the key, or returns null when there is none.</summary>
    /// <param name="options">The options naming the file.</param>
    /// <param name="home">The server user's home folder; null for the current user's.</param>
    /// <exception cref="StepFailedException">When the configured file cannot be read (the message names the file, never its content).</exception>
    public static Secret? Load(DevStackOptions options, string? home = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!string.IsNullOrWhiteSpace(options.PrivateKeyFile))
        {
            try
            {
                return new Secret(File.ReadAllText(options.PrivateKeyFile));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new StepFailedException("devstack.ssh_key", $"DevStack:PrivateKeyFile: cannot read {options.PrivateKeyFile} ({e.GetType().Name}).", retryable: false);
            }
        }

        var ssh = Path.Combine(home ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh");
        return DefaultFiles.Select(f => Path.Combine(ssh, f)).FirstOrDefault(File.Exists) is { } path ? new Secret(File.ReadAllText(path)) : null;
    }
}
