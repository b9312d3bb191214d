using System.Collections.Concurrent;
using System.Data;
using System.Data.Common;
using System.Reflection;
using System.Text.RegularExpressions;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace Workflows.Engine.Storage;

/// <summary>
/// The write statements of one transition that do not depend on each other's results, collected and then sent
/// together in the caller's transaction: on PostgreSQL as one <see cref="NpgsqlBatch"/> (one round trip), on SQLite one
/// after the other (an embedded database has no round trips to save).
/// </summary>
/// <remarks>
/// Parameters are bound as Dapper binds them: each <c>@Name</c> of a statement reads the property of that name of the
/// statement's parameter object (case-insensitively), a null as a typed null of the property's type. The statements run
/// in the order they were added; the first one that fails fails <see cref="ExecuteAsync"/>, and the caller rolls the
/// transaction back, so a transition is never half written.
/// </remarks>
internal sealed partial class WriteBatch(DbConnection connection, DbTransaction transaction)
{
    private static readonly ConcurrentDictionary<(Type Type, string Name), PropertyInfo> Properties = new();

    private readonly List<(string Sql, object? Param)> statements = [];

    /// <summary>Gets how many statements were added and not executed yet.</summary>
    public int Count => statements.Count;

    /// <summary>Adds a statement.</summary>
    /// <param name="sql">The SQL, with <c>@Name</c> parameters.</param>
    /// <param name="param">The object whose properties are the parameters, or null.</param>
    /// <returns>This batch.</returns>
    public WriteBatch Add(string sql, object? param = null)
    {
        statements.Add((sql, param));
        return this;
    }

    /// <summary>Executes the statements added so far, in order, and forgets them.</summary>
    /// <returns>The rows each statement affected, in the order they were added.</returns>
    public async Task<int[]> ExecuteAsync(CancellationToken ct = default)
    {
        if (statements.Count == 0)
        {
            return [];
        }

        var affected = new int[statements.Count];
        if (connection is NpgsqlConnection npgsql)
        {
            await using var batch = new NpgsqlBatch(npgsql, (NpgsqlTransaction)transaction);
            foreach (var (sql, param) in statements)
            {
                batch.BatchCommands.Add(Command(sql, param));
            }

            statements.Clear();
            await batch.ExecuteNonQueryAsync(ct);
            for (var i = 0; i < affected.Length; i++)
            {
                affected[i] = batch.BatchCommands[i].RecordsAffected;
            }

            return affected;
        }

        var pending = statements.ToList();
        statements.Clear();
        for (var i = 0; i < pending.Count; i++)
        {
            affected[i] = await connection.ExecuteAsync(new CommandDefinition(pending[i].Sql, pending[i].Param, transaction, cancellationToken: ct));
        }

        return affected;
    }

    private static NpgsqlBatchCommand Command(string sql, object? param)
    {
        var command = new NpgsqlBatchCommand(sql);
        if (param is null)
        {
            return command;
        }

        var type = param.GetType();
        foreach (var name in ParameterNames().Matches(sql).Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal))
        {
            var property = Properties.GetOrAdd((type, name), static k => Find(k.Type, k.Name));
            command.Parameters.Add(Parameter(name, property.PropertyType, property.GetValue(param)));
        }

        return command;
    }

    private static PropertyInfo Find(Type type, string name) =>
        type.GetProperty(name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)
        ?? throw new InvalidOperationException($"The parameter @{name} has no property of that name on {type.Name}.");

    private static NpgsqlParameter Parameter(string name, Type declared, object? value)
    {
        var type = Nullable.GetUnderlyingType(declared) ?? declared;
        if (value is not null)
        {
            // As Dapper: an enum goes as its number.
            return new NpgsqlParameter(name, type.IsEnum ? Convert.ChangeType(value, Enum.GetUnderlyingType(type), System.Globalization.CultureInfo.InvariantCulture) : value);
        }

        // A null keeps its type, so that PostgreSQL never has to guess it from the statement.
        var dbType = (type.IsEnum ? Enum.GetUnderlyingType(type) : type) switch
        {
            var t when t == typeof(string) => NpgsqlDbType.Text,
            var t when t == typeof(long) => NpgsqlDbType.Bigint,
            var t when t == typeof(int) => NpgsqlDbType.Integer,
            var t when t == typeof(short) => NpgsqlDbType.Smallint,
            var t when t == typeof(bool) => NpgsqlDbType.Boolean,
            var t when t == typeof(double) => NpgsqlDbType.Double,
            var t when t == typeof(DateTimeOffset) => NpgsqlDbType.TimestampTz,
            var t when t == typeof(byte[]) => NpgsqlDbType.Bytea,
            _ => NpgsqlDbType.Unknown,
        };
        return new NpgsqlParameter(name, dbType) { Value = DBNull.Value, Direction = ParameterDirection.Input };
    }

    // @name, not @@name, and not inside a word (e.g. an e-mail address in a literal: none of our statements has one).
    [GeneratedRegex(@"(?<![@\w])@([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex ParameterNames();
}
