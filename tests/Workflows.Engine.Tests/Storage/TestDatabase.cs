using Microsoft.Extensions.Logging.Abstractions;
using Workflows.Engine.Storage;
using Workflows.Engine.Tests.Execution;

namespace Workflows.Engine.Tests.Storage;

/// <summary>
/// Migrated engine databases of their own for a test class (its class fixture): a new PostgreSQL database, or a SQLite
/// file in a new folder, each call.
/// </summary>
public sealed class TestDatabase : IDisposable
{
    private readonly List<string> folders = [];

    /// <summary>Creates the database.</summary>
    /// <param name="provider"><c>postgres</c> or <c>sqlite</c>.</param>
    /// <param name="migrate">False for an empty database (a test that runs the migrations itself).</param>
    public async Task<EngineDatabase> CreateAsync(string provider, bool migrate = true)
    {
        EngineDatabase db;
        if (provider == "postgres")
        {
            db = new EngineDatabase(DatabaseKind.Postgres, await EngineHost.CreatePostgresDatabaseAsync(), NullLogger<EngineDatabase>.Instance);
        }
        else
        {
            var folder = Directory.CreateTempSubdirectory("wf-engine-db-").FullName;
            folders.Add(folder);
            db = new EngineDatabase(DatabaseKind.Sqlite, $"Data Source={Path.Combine(folder, "workflows.db")}", NullLogger<EngineDatabase>.Instance);
        }

        if (migrate)
        {
            await db.MigrateAsync(EngineSchema.Migrations, "engine");
            await db.MigrateAsync(IdempotencySchema.Migrations, IdempotencySchema.Component);
        }

        return db;
    }

    /// <summary>Deletes the SQLite folders.</summary>
    public void Dispose()
    {
        foreach (var f in folders)
        {
            Directory.Delete(f, recursive: true);
        }
    }
}
