namespace Workflows.Engine.Storage;

/// <summary>
/// The table of idempotency keys of run starts (component <c>engine-idempotency</c>, so it never competes with the
/// numbering of the engine's own migrations). A key holds a fingerprint of the request, never the request: inputs may be secret.
/// </summary>
public static class IdempotencySchema
{
    /// <summary>The component name in <c>wf_schema</c>.</summary>
    public const string Component = "engine-idempotency";

    private const string Ddl = """
        CREATE TABLE wf_idempotency (
            scope TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, run_id TEXT NOT NULL,
            created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, completed_at BIGINT NULL,
            PRIMARY KEY (scope, key));
        CREATE INDEX ix_wf_idempotency_expires ON wf_idempotency (expires_at);
        """;

    /// <summary>Gets the migrations, oldest first.</summary>
    public static IReadOnlyList<Migration> Migrations { get; } =
    [
        new(1, "idempotency keys of run starts", Ddl, Ddl),
    ];
}
