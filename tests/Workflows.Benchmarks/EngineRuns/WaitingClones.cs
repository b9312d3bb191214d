using System.Globalization;
using System.Text;
using Npgsql;
using Workflows.Benchmarks.Infrastructure;

namespace Workflows.Benchmarks.EngineRuns;

/// <summary>
/// The bulk path of the waiting-runs section, used only by the benchmark: copies every row that starting one run
/// through the engine wrote — the run, its steps, attempts, audit, logs and plan, and each of its Hangfire jobs with
/// their states, parameters, queue and schedule entries — under new run ids and new job ids, so 100,000 waiting runs
/// exist in minutes instead of the hour a 2-core machine takes to start them one by one.
/// </summary>
/// <remarks>
/// A copy differs from its template only by its ids (the run id inside job arguments and audit messages included) and by
/// being <c>n</c> milliseconds older (created, started and updated), so the runs list has distinct times. Columns are read
/// from the catalog, so a column a later migration adds is copied too.
/// </remarks>
internal static class WaitingClones
{
    /// <summary>Copies run <paramref name="template"/> <paramref name="count"/> times, in transactions of <paramref name="batch"/> copies.</summary>
    public static async Task CopyAsync(BenchDatabase db, string template, int count, int batch, Action<int> progress, CancellationToken ct)
    {
        await db.QueryAsync(
            async c =>
            {
                var notifications = await ScalarAsync(c, null, "SELECT count(*) FROM wf_notifications WHERE run_id = @t", template, ct);
                var resources = await ScalarAsync(c, null, "SELECT count(*) FROM wf_resources WHERE run_id = @t", template, ct);
                if (notifications + resources > 0)
                {
                    throw new InvalidOperationException("The template run has notifications or resources; the copy does not handle them.");
                }

                // The template's Hangfire jobs (their arguments carry the run id), found once: the scan reads every job.
                await ExecAsync(c, null, "CREATE TEMP TABLE bench_template_job AS SELECT id FROM hangfire.job WHERE arguments::text LIKE '%' || @t || '%'", template, ct);
                for (var from = 1; from <= count; from += batch)
                {
                    var to = Math.Min(count, from + batch - 1);
                    await using var tx = await c.BeginTransactionAsync(ct);
                    await ExecAsync(c, tx, "CREATE TEMP TABLE bench_clone (n INT, run_id TEXT) ON COMMIT DROP", template, ct);
                    await ExecAsync(c, tx, $"INSERT INTO bench_clone SELECT g, gen_random_uuid()::text FROM generate_series({from}, {to}) g", template, ct);
                    // Every Hangfire job of the template, once per copy, each with a new id.
                    await ExecAsync(
                        c,
                        tx,
                        """
                        CREATE TEMP TABLE bench_clone_job ON COMMIT DROP AS
                        SELECT b.n, b.run_id, j.id AS old_id, nextval(pg_get_serial_sequence('hangfire.job', 'id')) AS new_id
                        FROM bench_clone b CROSS JOIN bench_template_job j
                        """,
                        template,
                        ct);

                    var ms = new Dictionary<string, string> { ["created_at"] = "x.created_at - b.n", ["started_at"] = "x.started_at - b.n", ["updated_at"] = "x.updated_at - b.n" };
                    await CopyAsync(c, tx, "wf_runs", "bench_clone b", "x.id = @t", new(ms) { ["id"] = "b.run_id" }, template, ct);
                    // The copies enter Running as their template did: journaled for the count of Running runs (migration 10).
                    await ExecAsync(c, tx, "INSERT INTO wf_run_count_changes (delta) SELECT COUNT(*) FROM bench_clone b JOIN wf_runs x ON x.id = @t AND x.status = 'Running'", template, ct);
                    await CopyAsync(c, tx, "wf_steps", "bench_clone b", "x.run_id = @t", new() { ["run_id"] = "b.run_id", ["job_id"] = "(SELECT j.new_id::text FROM bench_clone_job j WHERE j.n = b.n AND j.old_id::text = x.job_id)" }, template, ct);
                    await CopyAsync(c, tx, "wf_attempts", "bench_clone b", "x.run_id = @t", new() { ["run_id"] = "b.run_id", ["inputs"] = "replace(x.inputs, @t, b.run_id)" }, template, ct);
                    await CopyAsync(c, tx, "wf_audit", "bench_clone b", "x.run_id = @t", new() { ["id"] = "", ["run_id"] = "b.run_id", ["message"] = "replace(x.message, @t, b.run_id)", ["data"] = "replace(x.data, @t, b.run_id)" }, template, ct);
                    await CopyAsync(c, tx, "wf_logs", "bench_clone b", "x.run_id = @t", new() { ["id"] = "", ["run_id"] = "b.run_id", ["text"] = "replace(x.text, @t, b.run_id)" }, template, ct);
                    await CopyAsync(c, tx, "wf_run_plans", "bench_clone b", "x.run_id = @t", new() { ["run_id"] = "b.run_id" }, template, ct);

                    var swap = "replace(x.{0}::text, @t, b.run_id)::jsonb";
                    await CopyAsync(c, tx, "hangfire.job", "bench_clone_job b", "x.id = b.old_id", new() { ["id"] = "b.new_id", ["stateid"] = "NULL", ["invocationdata"] = string.Format(CultureInfo.InvariantCulture, swap, "invocationdata"), ["arguments"] = string.Format(CultureInfo.InvariantCulture, swap, "arguments") }, template, ct);
                    await CopyAsync(c, tx, "hangfire.state", "bench_clone_job b", "x.jobid = b.old_id", new() { ["id"] = "", ["jobid"] = "b.new_id", ["data"] = string.Format(CultureInfo.InvariantCulture, swap, "data") }, template, ct);
                    await CopyAsync(c, tx, "hangfire.jobparameter", "bench_clone_job b", "x.jobid = b.old_id", new() { ["id"] = "", ["jobid"] = "b.new_id", ["value"] = "replace(x.value, @t, b.run_id)" }, template, ct);
                    await CopyAsync(c, tx, "hangfire.jobqueue", "bench_clone_job b", "x.jobid = b.old_id", new() { ["id"] = "", ["jobid"] = "b.new_id" }, template, ct);
                    // A schedule entry's value is the job id, or "queue:job id" (Hangfire 1.8).
                    await CopyAsync(c, tx, "hangfire.set", "bench_clone_job b", "x.key = 'schedule' AND (x.value = b.old_id::text OR x.value LIKE '%:' || b.old_id::text)", new() { ["id"] = "", ["value"] = "regexp_replace(x.value, '[0-9]+$', b.new_id::text)" }, template, ct);
                    await ExecAsync(
                        c,
                        tx,
                        """
                        UPDATE hangfire.job j SET stateid = s.id
                        FROM (
                            SELECT s.jobid, max(s.id) AS id FROM hangfire.state s JOIN hangfire.job k ON k.id = s.jobid AND k.statename = s.name
                            WHERE s.jobid IN (SELECT new_id FROM bench_clone_job) GROUP BY s.jobid) s
                        WHERE j.id = s.jobid
                        """,
                        template,
                        ct);
                    await tx.CommitAsync(ct);
                    progress(to);
                }

                await ExecAsync(c, null, "ANALYZE", template, ct);
                return 0;
            },
            ct);
    }

    /// <summary>INSERT INTO table SELECT every column of the template's rows, with some columns replaced (an empty replacement leaves the column to its default).</summary>
    private static async Task CopyAsync(NpgsqlConnection c, NpgsqlTransaction tx, string table, string from, string where, Dictionary<string, string> replace, string template, CancellationToken ct)
    {
        var (schema, name) = table.Contains('.', StringComparison.Ordinal) ? (table.Split('.')[0], table.Split('.')[1]) : ("public", table);
        var columns = new List<string>();
        await using (var cmd = new NpgsqlCommand("SELECT column_name FROM information_schema.columns WHERE table_schema = @s AND table_name = @n ORDER BY ordinal_position", c, tx))
        {
            cmd.Parameters.AddWithValue("s", schema);
            cmd.Parameters.AddWithValue("n", name);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                columns.Add(r.GetString(0));
            }
        }

        var kept = columns.Where(col => !replace.TryGetValue(col, out var v) || v.Length > 0).ToList();
        var sql = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"INSERT INTO {table} ({string.Join(", ", kept)}) SELECT ")
            .Append(string.Join(", ", kept.Select(col => replace.TryGetValue(col, out var v) ? v : "x." + col)))
            .Append(CultureInfo.InvariantCulture, $" FROM {table} x CROSS JOIN {from} WHERE {where}")
            .ToString();
        await ExecAsync(c, tx, sql, template, ct);
    }

    private static async Task ExecAsync(NpgsqlConnection c, NpgsqlTransaction? tx, string sql, string template, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, c, tx) { CommandTimeout = 600 };
        cmd.Parameters.AddWithValue("t", template);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection c, NpgsqlTransaction? tx, string sql, string template, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, c, tx);
        cmd.Parameters.AddWithValue("t", template);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
    }
}
