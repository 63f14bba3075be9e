using System.ComponentModel.DataAnnotations;

namespace Kith.Core.Tasks;

/// <summary>The body of POST/PUT /api/v1/tasks, the task form, and a communication's follow-up.</summary>
public sealed class TaskInput
{
    [Required, MaxLength(300)] public string? Title { get; set; }
    [MaxLength(4000)] public string? Notes { get; set; }
    public DateTimeOffset? DueAt { get; set; }
    public DateTimeOffset? RemindAt { get; set; }
    /// <summary>The user who does it; the caller when left out.</summary>
    public long? AssigneeId { get; set; }
    public long? CustomerId { get; set; }
    public long? CommunicationId { get; set; }
}
