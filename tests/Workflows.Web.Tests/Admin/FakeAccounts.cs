using Workflows.Abstractions.Accounts;

namespace Workflows.Web.Tests.Admin;

/// <summary>An in-memory account administration that records calls; refusals are set per test.</summary>
internal sealed class FakeAccounts : IAccountAdministration
{
    public List<UserSummary> Users { get; } = [];

    public List<TokenInfo> Tokens { get; } = [];

    public List<string> Calls { get; } = [];

    public List<AccountActor> Actors { get; } = [];

    public AccountException? Refuse { get; set; }

    public int MinimumPasswordLength => 12;

    public Task<IReadOnlyList<UserSummary>> ListUsersAsync(CancellationToken cancellationToken = default) => Task.FromResult<IReadOnlyList<UserSummary>>(Users.ToList());

    public Task<string?> CreateUserAsync(AccountActor actor, string name, string role, string? password, CancellationToken cancellationToken = default)
    {
        Record(actor, $"create {name} {role} {(password is null ? "generated" : "given")}");
        Users.Add(new UserSummary(name, role, UserSource.Local, false, true, DateTimeOffset.UnixEpoch, null));
        return Task.FromResult(password is null ? "OneTimePassword2345" : null);
    }

    public Task SetRoleAsync(AccountActor actor, string name, string role, CancellationToken cancellationToken = default)
    {
        Record(actor, $"role {name} {role}");
        return Task.CompletedTask;
    }

    public Task SetDisabledAsync(AccountActor actor, string name, bool disabled, CancellationToken cancellationToken = default)
    {
        Record(actor, $"{(disabled ? "disable" : "enable")} {name}");
        var i = Users.FindIndex(u => u.Name == name);
        Users[i] = Users[i] with { Disabled = disabled };
        return Task.CompletedTask;
    }

    public Task<string?> ResetPasswordAsync(AccountActor actor, string name, string? password, CancellationToken cancellationToken = default)
    {
        Record(actor, $"reset {name}");
        return Task.FromResult<string?>("ResetPassword98765");
    }

    public Task ChangeOwnPasswordAsync(AccountActor actor, string currentPassword, string newPassword, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The portal changes passwords through the server's form endpoint.");

    public Task<IReadOnlyList<TokenInfo>> ListTokensAsync(AccountActor actor, CancellationToken cancellationToken = default)
    {
        Actors.Add(actor);
        return Task.FromResult<IReadOnlyList<TokenInfo>>(Tokens.Where(t => actor.Role == "admin" || t.CreatedBy == actor.Name).ToList());
    }

    public Task<CreatedToken> CreateTokenAsync(AccountActor actor, string name, string role, int? expiresInDays, IReadOnlyList<string>? groups, CancellationToken cancellationToken = default)
    {
        Record(actor, $"token {name} {role} {expiresInDays?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "never"}{(groups is null ? "" : $" groups [{string.Join(",", groups)}]")}");
        var id = $"t{Tokens.Count + 1}";
        var granted = groups ?? actor.Groups ?? [];
        Tokens.Add(new TokenInfo(id, name, role, actor.Name, DateTimeOffset.UnixEpoch, null, null, granted));
        return Task.FromResult(new CreatedToken(id, name, role, "wft_secret_value_" + id, granted));
    }

    public Task RevokeTokenAsync(AccountActor actor, string id, CancellationToken cancellationToken = default)
    {
        Record(actor, $"revoke {id}");
        Tokens.RemoveAll(t => t.Id == id);
        return Task.CompletedTask;
    }

    private void Record(AccountActor actor, string call)
    {
        if (Refuse is { } e)
        {
            throw e;
        }

        Actors.Add(actor);
        Calls.Add(call);
    }
}
