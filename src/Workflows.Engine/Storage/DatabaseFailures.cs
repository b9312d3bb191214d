using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Workflows.Engine.Storage;

/// <summary>
/// Tells a database that is unreachable, restarting, overloaded or busy apart from a bug. Such a failure is
/// infrastructure: the API answers 503 with <c>Retry-After</c>, and a step's attempt is resumed later rather than failed.
/// </summary>
public static class DatabaseFailures
{
    // SQLITE_BUSY and SQLITE_LOCKED: another connection holds the lock longer than the busy timeout.
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;

    /// <summary>Returns whether <paramref name="exception"/> (or one it wraps) says the database cannot be used right now.</summary>
    /// <remarks>
    /// PostgreSQL: a lost or refused connection, a pool that timed out, the server shutting down or starting
    /// (57P01–57P03), too many connections (53300) and the other states Npgsql marks as transient.
    /// A constraint violation or a syntax error is not transient: it is a bug or bad data, never a 503.
    /// </remarks>
    public static bool IsUnavailable(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException p:
                    return p.IsTransient;
                case NpgsqlException n when n.IsTransient:
                    return true;
                case SqliteException s:
                    return s.SqliteErrorCode is SqliteBusy or SqliteLocked;
                case SocketException:
                    return true;
            }

            if (e is AggregateException { InnerExceptions.Count: > 1 } many)
            {
                return many.InnerExceptions.All(IsUnavailable);
            }
        }

        return false;
    }
}
