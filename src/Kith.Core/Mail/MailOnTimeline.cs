using Kith.Core.Communications;

namespace Kith.Core.Mail;

/// <summary>
/// How a mailbox's visibility setting carries over to the communications its mail creates, so every read path of
/// communications (timeline, API, search) applies it, not only the mail screens:
/// <list type="bullet">
/// <item><see cref="MailVisibility.CustomerReach"/>: everyone who reaches the customer;</item>
/// <item><see cref="MailVisibility.Participants"/>: the mailbox owner and the users whose addresses are on the message
/// (and, as for any private communication, their managers and administrators);</item>
/// <item><see cref="MailVisibility.Owner"/>: the mailbox owner (and their managers and administrators).</item>
/// </list>
/// </summary>
internal static class MailOnTimeline
{
    public static void Share(Communication communication, MailVisibility visibility, long ownerId, IEnumerable<long> addressedUserIds)
    {
        if (visibility == MailVisibility.CustomerReach)
        {
            communication.Visibility = CommunicationVisibility.Customer;
            return;
        }
        communication.Visibility = CommunicationVisibility.Participants;
        var users = visibility == MailVisibility.Owner ? [ownerId] : addressedUserIds.Append(ownerId).Distinct();
        foreach (var userId in users)
            communication.Participants.Add(new CommunicationParticipant { UserId = userId });
    }
}
