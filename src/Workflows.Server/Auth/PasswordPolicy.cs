using System.Security.Cryptography;
using Workflows.Abstractions.Accounts;

namespace Workflows.Server.Auth;

/// <summary>The rule every local password follows, and the generator of one-time passwords.</summary>
public static class PasswordPolicy
{
    /// <summary>The shortest password accepted.</summary>
    public const int MinimumLength = 12;

    /// <summary>The longest password accepted (hashing is deliberately slow; a megabyte would be a cheap attack).</summary>
    public const int MaximumLength = 256;

    /// <summary>Returns what is wrong with a new password, or null when it is acceptable.</summary>
    /// <param name="userName">The user's name: the password may not be it.</param>
    /// <param name="password">The new password.</param>
    /// <param name="current">The current password when known: the new one must differ.</param>
    public static string? Problem(string userName, string? password, string? current = null)
    {
        if (string.IsNullOrEmpty(password) || password.Length < MinimumLength)
        {
            return $"must be at least {MinimumLength} characters long (a few unrelated words make a good one)";
        }

        if (password.Length > MaximumLength)
        {
            return $"must be at most {MaximumLength} characters long";
        }

        if (string.IsNullOrWhiteSpace(password))
        {
            return "must not be only spaces";
        }

        if (string.Equals(password.Trim(), userName.Trim(), StringComparison.OrdinalIgnoreCase))
        {
            return "must not be the user name";
        }

        if (current is not null && string.Equals(password, current, StringComparison.Ordinal))
        {
            return "must differ from the current password";
        }

        return null;
    }

    /// <summary>Throws an <see cref="AccountException"/> on the field when the password breaks the rule.</summary>
    public static void Check(string field, string userName, string? password, string? current = null)
    {
        if (Problem(userName, password, current) is { } problem)
        {
            throw new AccountException(AccountErrorKind.Invalid, field, $"The password {problem}.");
        }
    }

    /// <summary>Generates a one-time password: 20 characters from a 56-letter alphabet without look-alikes (about 116 bits).</summary>
    public static string Generate()
    {
        const string alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        return RandomNumberGenerator.GetString(alphabet, 20);
    }
}
