using Kith.Core.Infrastructure;

namespace Kith.Core.Communications;

public sealed record ParticipantRef(string Kind, long Id, string Name);

public sealed record AttachmentRef(long Id, string FileName, long Size, DateTime CreatedAt);

/// <summary>One communication as the API answers it.</summary>
public sealed record CommunicationDetail(
    long Id, string? ExternalId, long CustomerId, long? CompanyId, string Channel, Direction? Direction, DateTime OccurredAt,
    int? DurationSeconds, string? Subject, string? Content, ContentFormat ContentFormat, string? Outcome,
    CommunicationVisibility Visibility, IReadOnlyList<ParticipantRef> Participants, IReadOnlyList<AttachmentRef> Attachments,
    long? FollowUpTaskId, DateTime CreatedAt, ActorKind CreatedByKind, long? CreatedByUserId, DateTime? UpdatedAt);
