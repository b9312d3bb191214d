namespace Workflows.Engine.Storage;

/// <summary>The engine's tables. Timestamps are Unix milliseconds (UTC) in both dialects.</summary>
public static class EngineSchema
{
    private const string Common = """
        CREATE TABLE wf_definitions (
            version TEXT PRIMARY KEY, name TEXT NOT NULL, source TEXT NOT NULL, file TEXT NOT NULL, created_at BIGINT NOT NULL);
        CREATE TABLE wf_runs (
            id TEXT PRIMARY KEY, workflow TEXT NOT NULL, version TEXT NOT NULL, status TEXT NOT NULL,
            inputs TEXT NOT NULL, concurrency_key TEXT NULL, queued_behind TEXT NULL,
            trigger_kind TEXT NOT NULL, trigger_actor TEXT NOT NULL, trigger_ref TEXT NULL,
            created_at BIGINT NOT NULL, started_at BIGINT NULL, finished_at BIGINT NULL, updated_at BIGINT NOT NULL,
            error TEXT NULL, failed_step TEXT NULL, cause TEXT NULL, start_counter INTEGER NOT NULL DEFAULT 0, row_version INTEGER NOT NULL DEFAULT 0);
        CREATE INDEX ix_wf_runs_created ON wf_runs (created_at);
        CREATE INDEX ix_wf_runs_status ON wf_runs (status, created_at);
        CREATE INDEX ix_wf_runs_workflow ON wf_runs (workflow, created_at);
        CREATE INDEX ix_wf_runs_key ON wf_runs (concurrency_key, status, created_at);
        CREATE TABLE wf_steps (
            run_id TEXT NOT NULL, step_id TEXT NOT NULL, kind TEXT NOT NULL, position INTEGER NOT NULL,
            status TEXT NOT NULL, attempt INTEGER NOT NULL DEFAULT 0, attempt_base INTEGER NOT NULL DEFAULT 0,
            poll_count INTEGER NOT NULL DEFAULT 0, next_action TEXT NULL, dispatch_seq BIGINT NOT NULL DEFAULT 0,
            dispatched_at BIGINT NULL, next_poll_at BIGINT NULL, lease_until BIGINT NULL, job_id TEXT NULL,
            deadline_at BIGINT NULL, started_at BIGINT NULL, finished_at BIGINT NULL, start_order INTEGER NULL,
            outputs TEXT NULL, state TEXT NULL, progress TEXT NULL, signal TEXT NULL,
            error_code TEXT NULL, error_message TEXT NULL,
            PRIMARY KEY (run_id, step_id));
        CREATE INDEX ix_wf_steps_sweep ON wf_steps (status, lease_until);
        CREATE TABLE wf_attempts (
            run_id TEXT NOT NULL, step_id TEXT NOT NULL, number INTEGER NOT NULL, status TEXT NOT NULL,
            started_at BIGINT NOT NULL, finished_at BIGINT NULL, polls INTEGER NOT NULL DEFAULT 0,
            error_code TEXT NULL, error_message TEXT NULL, outputs TEXT NULL,
            PRIMARY KEY (run_id, step_id, number));
        CREATE TABLE wf_concurrency (key TEXT PRIMARY KEY, run_id TEXT NOT NULL);
        """;

    /// <summary>Gets the migrations, oldest first.</summary>
    public static IReadOnlyList<Migration> Migrations { get; } =
    [
        new(1, "runs, steps, attempts, audit, logs, resources, definitions",
            Common + """
            CREATE TABLE wf_audit (id BIGSERIAL PRIMARY KEY, run_id TEXT NOT NULL, at BIGINT NOT NULL, kind TEXT NOT NULL, actor TEXT NOT NULL, step_id TEXT NULL, message TEXT NOT NULL, data TEXT NULL);
            CREATE INDEX ix_wf_audit_run ON wf_audit (run_id, id);
            CREATE TABLE wf_logs (id BIGSERIAL PRIMARY KEY, run_id TEXT NOT NULL, step_id TEXT NULL, at BIGINT NOT NULL, text TEXT NOT NULL);
            CREATE INDEX ix_wf_logs_run ON wf_logs (run_id, id);
            CREATE TABLE wf_resources (id BIGSERIAL PRIMARY KEY, run_id TEXT NOT NULL, step_id TEXT NOT NULL, kind TEXT NOT NULL, provider TEXT NOT NULL, external_id TEXT NOT NULL, name TEXT NULL, properties TEXT NULL, created_at BIGINT NOT NULL, deleted_at BIGINT NULL, UNIQUE (kind, provider, external_id));
            CREATE INDEX ix_wf_resources_run ON wf_resources (run_id);
            """,
            Common + """
            CREATE TABLE wf_audit (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, at BIGINT NOT NULL, kind TEXT NOT NULL, actor TEXT NOT NULL, step_id TEXT NULL, message TEXT NOT NULL, data TEXT NULL);
            CREATE INDEX ix_wf_audit_run ON wf_audit (run_id, id);
            CREATE TABLE wf_logs (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, step_id TEXT NULL, at BIGINT NOT NULL, text TEXT NOT NULL);
            CREATE INDEX ix_wf_logs_run ON wf_logs (run_id, id);
            CREATE TABLE wf_resources (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, step_id TEXT NOT NULL, kind TEXT NOT NULL, provider TEXT NOT NULL, external_id TEXT NOT NULL, name TEXT NULL, properties TEXT NULL, created_at BIGINT NOT NULL, deleted_at BIGINT NULL, UNIQUE (kind, provider, external_id));
            CREATE INDEX ix_wf_resources_run ON wf_resources (run_id);
            """),
        new(2, "steps: whether the last failure was retryable (its outcome unknown), for compensation",
            "ALTER TABLE wf_steps ADD COLUMN error_retryable BOOLEAN NULL;",
            "ALTER TABLE wf_steps ADD COLUMN error_retryable INTEGER NULL;"),
        new(3, "runs: the W3C traceparent of the run's span, the parent of every step span",
            "ALTER TABLE wf_runs ADD COLUMN trace_parent TEXT NULL;",
            "ALTER TABLE wf_runs ADD COLUMN trace_parent TEXT NULL;"),
        new(4, "run plans: the plan a run was started with (issue 14)",
            "CREATE TABLE wf_run_plans (run_id TEXT PRIMARY KEY, planned_at BIGINT NOT NULL, recorded_at BIGINT NOT NULL, actor TEXT NOT NULL, plan TEXT NOT NULL);",
            "CREATE TABLE wf_run_plans (run_id TEXT PRIMARY KEY, planned_at BIGINT NOT NULL, recorded_at BIGINT NOT NULL, actor TEXT NOT NULL, plan TEXT NOT NULL);"),
        new(5, "approvals: each decision on an approval step, so n-of-m approvals are collected under the run's lock",
            Approvals,
            Approvals),
        new(6, "notifications: the outbox, one row per event and channel, written with the state change that causes it", Notifications, Notifications),
        new(7, "attempts: the evaluated with: inputs of each attempt, secrets masked, for the step drawer and the API (issue 16)",
            "ALTER TABLE wf_attempts ADD COLUMN inputs TEXT NULL;",
            "ALTER TABLE wf_attempts ADD COLUMN inputs TEXT NULL;"),
        new(8, "runs: whether a plan is stored for the run, so that a step of a run without one reads no plan",
            "ALTER TABLE wf_runs ADD COLUMN has_plan BOOLEAN NOT NULL DEFAULT FALSE; UPDATE wf_runs SET has_plan = TRUE WHERE id IN (SELECT run_id FROM wf_run_plans);",
            "ALTER TABLE wf_runs ADD COLUMN has_plan INTEGER NOT NULL DEFAULT 0; UPDATE wf_runs SET has_plan = 1 WHERE id IN (SELECT run_id FROM wf_run_plans);"),
        new(9, "runs: whether a step is active (scheduled, running, waiting), kept by every commit, so the sweeper's stalled-run check and its overdue-step check read indexes that hold only their candidates, not every waiting run",
            """
            ALTER TABLE wf_runs ADD COLUMN steps_active BOOLEAN NOT NULL DEFAULT FALSE;
            UPDATE wf_runs SET steps_active = TRUE WHERE id IN (SELECT run_id FROM wf_steps WHERE status IN ('Scheduled', 'Running', 'Waiting'));
            """ + SweepIndexes,
            """
            ALTER TABLE wf_runs ADD COLUMN steps_active INTEGER NOT NULL DEFAULT 0;
            UPDATE wf_runs SET steps_active = 1 WHERE id IN (SELECT run_id FROM wf_steps WHERE status IN ('Scheduled', 'Running', 'Waiting'));
            """ + SweepIndexes),
        new(10, "runs: how many are Running, as a base row and a journal of changes (one row per run that enters or leaves Running, written with that change and folded into the base by the sweeper and the metrics scrape), so the /metrics gauges read a few rows instead of counting every waiting run",
            """
            CREATE TABLE wf_run_counts (id INTEGER PRIMARY KEY, running BIGINT NOT NULL);
            INSERT INTO wf_run_counts (id, running) SELECT 1, COUNT(*) FROM wf_runs WHERE status = 'Running';
            CREATE TABLE wf_run_count_changes (id BIGSERIAL PRIMARY KEY, delta INTEGER NOT NULL);
            """,
            """
            CREATE TABLE wf_run_counts (id INTEGER PRIMARY KEY, running BIGINT NOT NULL);
            INSERT INTO wf_run_counts (id, running) SELECT 1, COUNT(*) FROM wf_runs WHERE status = 'Running';
            CREATE TABLE wf_run_count_changes (id INTEGER PRIMARY KEY, delta INTEGER NOT NULL);
            """),
        new(11, "resources: why an entry left the ledger (Deleted by a run, or Gone: found missing by a check against the cloud) and who ran that check, so the Resources page tells a clean-up from an object that vanished (issue 16)",
            ResourceDeletedReasons,
            ResourceDeletedReasons),
    ];

    // Entries deleted before this migration keep meaning deleted, except those an earlier check marked with its reason in
    // their properties (the serializer writes them without spaces; a value cannot hold the quoted pair, as JSON escapes
    // its quotes): those are gone. Who ran that check is only in the run's audit, so it stays unknown.
    private const string ResourceDeletedReasons = """
        ALTER TABLE wf_resources ADD COLUMN deleted_reason TEXT NULL;
        ALTER TABLE wf_resources ADD COLUMN deleted_by TEXT NULL;
        UPDATE wf_resources SET deleted_reason = CASE WHEN properties LIKE '%"deletedReason":"gone"%' THEN 'Gone' ELSE 'Deleted' END WHERE deleted_at IS NOT NULL;
        """;

    // Partial indexes: each holds only what the sweeper may have to act on (a run in an active status with no active
    // step; a waiting step; a scheduled step), keyed by the time it compares, so a sweep reads the late entries only.
    // The runs' index is keyed by id, not updated_at, so the updates of updated_at stay heap-only on PostgreSQL.
    private const string SweepIndexes = """
        CREATE INDEX ix_wf_runs_idle ON wf_runs (id) WHERE status IN ('Running', 'Compensating', 'Cancelling') AND NOT steps_active;
        CREATE INDEX ix_wf_steps_poll_due ON wf_steps (next_poll_at) WHERE status = 'Waiting';
        CREATE INDEX ix_wf_steps_dispatch_due ON wf_steps (dispatched_at) WHERE status = 'Scheduled';
        """;

    private const string Approvals = """
        CREATE TABLE wf_approvals (
            run_id TEXT NOT NULL, step_id TEXT NOT NULL, attempt INTEGER NOT NULL, actor TEXT NOT NULL,
            approved BOOLEAN NOT NULL, via TEXT NOT NULL, comment TEXT NULL, at BIGINT NOT NULL,
            PRIMARY KEY (run_id, step_id, attempt, actor));
        """;

    private const string Notifications = """
        CREATE TABLE wf_notifications (
            id TEXT PRIMARY KEY, run_id TEXT NOT NULL, event TEXT NOT NULL, channel TEXT NOT NULL, payload TEXT NOT NULL,
            status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_at BIGINT NOT NULL, lease_until BIGINT NULL,
            last_error TEXT NULL, created_at BIGINT NOT NULL, delivered_at BIGINT NULL);
        CREATE INDEX ix_wf_notifications_due ON wf_notifications (status, next_at);
        CREATE INDEX ix_wf_notifications_run ON wf_notifications (run_id, created_at);
        """;
}
