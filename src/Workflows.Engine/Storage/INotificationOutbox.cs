namespace Workflows.Engine.Storage;

/// <summary>
/// Decides which notifications a state change causes, so <see cref="RunStore"/> writes them in the same
/// transaction as the change (the outbox): a crash either loses both or keeps both.
/// </summary>
/// <remarks>
/// <note type="implement">
/// <see cref="CollectAsync"/> runs inside the run's transaction with the run locked: it must be fast and should not
/// need I/O (rules from memory, the run's definition from the catalog, which holds the versions it has loaded). A notification's <see cref="NotificationRow.Id"/> must be
/// stable per event and channel: it is the delivery id receivers use to drop repeats.
/// </note>
/// </remarks>
public interface INotificationOutbox
{
    /// <summary>Returns the notifications the change in <paramref name="tx"/> causes (often none).</summary>
    ValueTask<IReadOnlyList<NotificationRow>> CollectAsync(RunTx tx, CancellationToken cancellationToken);

    /// <summary>Called after the transaction that wrote <paramref name="notifications"/> committed (to deliver them without waiting for a poll).</summary>
    void Committed(IReadOnlyList<NotificationRow> notifications);
}

/// <summary>A row of wf_notifications: one event for one channel, and where its delivery stands.</summary>
public sealed class NotificationRow
{
#pragma warning disable SA1600 // Plain row mapped by Dapper; the columns are documented in EngineSchema.
    public string Id { get; set; } = "";
    public string RunId { get; set; } = "";
    public string Event { get; set; } = "";
    public string Channel { get; set; } = "";
    public string Payload { get; set; } = "{}";
    public string Status { get; set; } = NotificationStatus.Pending;

    /// <summary>Gets the status as the store writes every <c>status</c> column (<c>@StatusName</c>).</summary>
    public string StatusName => Status;
    public int Attempts { get; set; }
    public long NextAt { get; set; }
    public long? LeaseUntil { get; set; }
    public string? LastError { get; set; }
    public long CreatedAt { get; set; }
    public long? DeliveredAt { get; set; }
#pragma warning restore SA1600
}

/// <summary>Where a notification's delivery stands.</summary>
public static class NotificationStatus
{
    /// <summary>Not delivered yet: due at <see cref="NotificationRow.NextAt"/>.</summary>
    public const string Pending = "Pending";

    /// <summary>The receiver accepted it.</summary>
    public const string Delivered = "Delivered";

    /// <summary>Every attempt failed; no more are made.</summary>
    public const string GaveUp = "GaveUp";
}
