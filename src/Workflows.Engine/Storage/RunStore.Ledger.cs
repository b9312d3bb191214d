namespace Workflows.Engine.Storage;

/// <summary>Ledger writes that go with an audit event.</summary>
public sealed partial class RunStore
{
    /// <summary>
    /// Marks a live ledger entry deleted or gone with new properties and appends the audit event that says so, in one
    /// transaction: a crash between the two cannot leave the entry marked without its audit.
    /// </summary>
    /// <param name="id">The entry's id.</param>
    /// <param name="reason">Why it leaves the ledger (a <see cref="Abstractions.Actions.ResourceDeletedReason"/> name).</param>
    /// <param name="actor">Who found it gone, or null.</param>
    /// <param name="properties">Its new properties (JSON).</param>
    /// <param name="now">When (Unix ms).</param>
    /// <param name="audit">The audit event of the owning run.</param>
    /// <param name="ct">The cancellation token.</param>
    /// <returns>False when the entry was no longer live (nothing is written).</returns>
    public async Task<bool> MarkResourceDeletedAsync(long id, string reason, string? actor, string properties, long now, AuditRow audit, CancellationToken ct)
    {
        await using var c = await Database.OpenAsync(ct);
        await using var tx = await Database.BeginAsync(c, ct);
        var batch = new WriteBatch(c, tx);
        batch.Add(
            "UPDATE wf_resources SET deleted_at = @now, deleted_reason = @reason, deleted_by = @actor, properties = @properties WHERE id = @id AND deleted_at IS NULL",
            new { now, reason, actor, properties, id });
        if ((await batch.ExecuteAsync(ct))[0] == 0)
        {
            await tx.RollbackAsync(ct);
            return false;
        }

        InsertAudit(batch, [audit]);
        await batch.ExecuteAsync(ct);
        await tx.CommitAsync(ct);
        return true;
    }
}
