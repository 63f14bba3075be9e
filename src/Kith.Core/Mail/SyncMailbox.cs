using Kith.Core.Cases;
using Kith.Core.Communications;
using Kith.Core.Customers;
using Kith.Core.History;
using Kith.Core.Infrastructure;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using MimeKit;

namespace Kith.Core.Mail;

/// <summary>
/// Reads new mail from a mailbox's inbox and sent folder onto the timelines of the customers whose addresses appear.
/// <para>
/// Resumable by construction: each folder is read by UID in batches, and a batch's messages, its timeline entries,
/// the ledger counts and the folder's high-water UID are saved in one transaction. A connection lost mid-sync loses
/// at most the batch in flight, which the next run reads again; the unique Message-ID makes a message seen twice
/// (two folders, two mailboxes, a changed UIDVALIDITY) count as "already stored" rather than a second copy.
/// </para>
/// </summary>
public sealed class SyncMailbox(KithDb db, MailClients clients, CaseMail cases, ChangeLog history, TimeProvider clock, ILogger<SyncMailbox> log)
{
    public const int BatchSize = 200;

    /// <summary>Runs one sync and returns its ledger line. Failures are recorded on the line, not thrown.</summary>
    public async Task<MailSyncRunView> HandleAsync(long mailboxId, string trigger, CancellationToken ct)
    {
        var box = await db.Mailboxes.FirstOrDefaultAsync(m => m.Id == mailboxId, ct) ?? throw new NotFound("Mailbox");
        // "Sync now" outranks the schedule in the ledger, whoever ran it.
        var run = new MailSyncRun { MailboxId = box.Id, Trigger = box.SyncRequestedAt is null ? trigger : "manual", StartedAt = Now(), Outcome = MailSyncOutcome.Running };
        db.MailSyncRuns.Add(run);
        box.SyncRequestedAt = null;
        await db.SaveChangesAsync(ct);
        try
        {
            using var imap = await clients.ConnectImapAsync(box, ct);
            foreach (var (folder, sent) in await FoldersAsync(imap, ct))
                await SyncFolderAsync(box, run, folder, sent, ct);
            await imap.DisconnectAsync(true, ct);
            run.Outcome = run.Dropped > 0 || run.Errors > 0 ? MailSyncOutcome.Warnings : MailSyncOutcome.Succeeded;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            run.Outcome = MailSyncOutcome.Failed;
            run.ErrorMessage = "The sync was stopped (the server shut down); the next sync resumes where it stopped.";
        }
        catch (Exception e)
        {
            log.LogWarning(e, "Sync of mailbox {Mailbox} failed", box.Id);
            run.Outcome = MailSyncOutcome.Failed;
            run.Errors++;
            run.ErrorMessage = EmailContent.Clip(MailClients.Describe(e, "IMAP", box.ImapHost, box.ImapPort), 2000);
        }
        // A failed batch may have left tracked changes behind; the ledger line is written on its own.
        db.ChangeTracker.Clear();
        run.FinishedAt = Now();
        db.MailSyncRuns.Update(run);
        await db.Mailboxes.Where(m => m.Id == box.Id).ExecuteUpdateAsync(s => s.SetProperty(m => m.LastSyncAt, run.FinishedAt), CancellationToken.None);
        await db.SaveChangesAsync(CancellationToken.None);
        return MailSyncRunView.Of(run);
    }

    private static async Task<List<(IMailFolder Folder, bool Sent)>> FoldersAsync(ImapClient imap, CancellationToken ct)
    {
        var folders = new List<(IMailFolder, bool)> { (imap.Inbox, false) };
        IMailFolder? sent = null;
        if (imap.Capabilities.HasFlag(ImapCapabilities.SpecialUse))
            sent = imap.GetFolder(SpecialFolder.Sent);
        if (sent is null)
        {
            var all = await imap.GetFoldersAsync(imap.PersonalNamespaces[0], cancellationToken: ct);
            sent = all.FirstOrDefault(f => f.Attributes.HasFlag(FolderAttributes.Sent))
                   ?? all.FirstOrDefault(f => f.FullName is "Sent" or "Sent Items" or "Sent Messages" or "INBOX.Sent" or "[Gmail]/Sent Mail");
        }
        if (sent is not null) folders.Add((sent, true));
        return folders;
    }

    private async Task SyncFolderAsync(Mailbox box, MailSyncRun run, IMailFolder folder, bool sentFolder, CancellationToken ct)
    {
        await folder.OpenAsync(FolderAccess.ReadOnly, ct);
        var state = await db.MailboxFolders.FirstOrDefaultAsync(f => f.MailboxId == box.Id && f.Name == folder.FullName, ct);
        if (state is null)
        {
            state = new MailboxFolder { MailboxId = box.Id, Name = folder.FullName };
            db.MailboxFolders.Add(state);
        }
        if (state.UidValidity != folder.UidValidity)
        {
            // The server renumbered the folder: read it again from the start; Message-IDs keep it from doubling.
            state.UidValidity = folder.UidValidity;
            state.LastUid = 0;
        }
        var range = new UniqueIdRange(new UniqueId(folder.UidValidity, (uint)state.LastUid + 1), UniqueId.MaxValue);
        // "n:*" always includes the highest UID, even when it is below n: keep only the new ones.
        var uids = (await folder.SearchAsync(SearchQuery.Uids(range), ct)).Where(u => u.Id > state.LastUid).OrderBy(u => u.Id).ToList();
        for (var i = 0; i < uids.Count; i += BatchSize)
        {
            var batch = uids.Skip(i).Take(BatchSize).ToList();
            await SyncBatchAsync(box, run, folder, state, batch, sentFolder, ct);
        }
        await db.SaveChangesAsync(ct);
    }

    private async Task SyncBatchAsync(Mailbox box, MailSyncRun run, IMailFolder folder, MailboxFolder state, List<UniqueId> batch, bool sentFolder, CancellationToken ct)
    {
        var summaries = await folder.FetchAsync(batch, MessageSummaryItems.UniqueId | MessageSummaryItems.Envelope | MessageSummaryItems.References, ct);
        var counts = new BatchCounts();
        var byUid = summaries.Where(s => s.Envelope is not null).ToDictionary(s => s.UniqueId.Id);
        var envelopes = byUid.ToDictionary(p => p.Key, p => p.Value.Envelope!);
        var entries = new List<(UniqueId Uid, Envelope Envelope, string MessageId, List<string> Addresses)>();
        foreach (var uid in batch)
        {
            counts.Seen++;
            if (!byUid.TryGetValue(uid.Id, out var s) || !envelopes.TryGetValue(uid.Id, out var envelope))
            {
                // Expunged between the search and the fetch: nothing to read, nothing lost.
                counts.Seen--;
                continue;
            }
            var addresses = Addresses(envelope.From).Concat(Addresses(envelope.To)).Concat(Addresses(envelope.Cc)).Distinct().ToList();
            var id = EmailContent.MessageId(envelope.MessageId, envelope.Date, string.Join(",", Addresses(envelope.From)),
                string.Join(",", Addresses(envelope.To)), envelope.Subject);
            entries.Add((uid, envelope, id, addresses));
        }
        var ids = entries.Select(e => e.MessageId).Distinct().ToList();
        var existing = await db.EmailMessages.Where(m => ids.Contains(m.MessageId)).Select(m => new { m.Id, m.MessageId }).ToDictionaryAsync(m => m.MessageId, m => m.Id, ct);
        var storedIds = existing.Values.ToList();
        var ownerAlreadyIn = (await db.EmailParticipants.Where(p => p.UserId == box.OwnerId && storedIds.Contains(p.EmailMessageId))
            .Select(p => p.EmailMessageId).ToListAsync(ct)).ToHashSet();
        var allAddresses = entries.SelectMany(e => e.Addresses).Where(a => a != box.Address).Distinct().ToList();
        var customers = await db.Customers.AsNoTracking()
            .Where(c => c.DeletedAt == null && c.MergedIntoId == null && c.Email != null && allAddresses.Contains(c.Email))
            .Select(c => new { c.Id, Email = c.Email! }).ToListAsync(ct);
        var customersByAddress = customers.ToLookup(c => c.Email, c => c.Id);
        var users = await db.Users.AsNoTracking().Where(u => allAddresses.Contains(u.Email)).Select(u => new { u.Id, u.Email }).ToListAsync(ct);
        var usersByAddress = users.ToLookup(u => u.Email, u => u.Id);
        var newLinks = new List<(EmailMessage Message, Communication Communication)>();
        var newCustomers = new Dictionary<string, Customer>();
        var supportMail = new List<(EmailMessage Message, Communication Communication)>();
        var newParticipants = new List<(EmailMessage Message, long UserId)>();

        var claimed = new HashSet<string>();
        var wanted = new List<(UniqueId Uid, Envelope Envelope, string MessageId, List<string> Addresses, List<long> CustomerIds, Customer? NewCustomer)>();
        foreach (var (uid, envelope, messageId, addresses) in entries)
        {
            if (existing.TryGetValue(messageId, out var storedId))
            {
                counts.AlreadyStored++;
                // Seen through a second mailbox: its owner now takes part in the conversation too.
                if (ownerAlreadyIn.Add(storedId))
                    db.EmailParticipants.Add(new EmailParticipant { EmailMessageId = storedId, UserId = box.OwnerId });
                continue;
            }
            if (!claimed.Add(messageId))
            {
                counts.AlreadyStored++;
                continue;
            }
            var customerIds = addresses.Where(a => a != box.Address).SelectMany(a => customersByAddress[a]).Distinct().ToList();
            Customer? newCustomer = null;
            if (customerIds.Count == 0)
            {
                // Someone new writing to a support address becomes a customer, so their request can become a case.
                if (!box.IsSupportAddress || SupportSender(box, envelope, sentFolder, usersByAddress) is not { } sender)
                {
                    counts.NoCustomer++;
                    continue;
                }
                if (!newCustomers.TryGetValue(sender.Address, out newCustomer))
                    newCustomers[sender.Address] = newCustomer = NewCustomer(box, sender);
            }
            wanted.Add((uid, envelope, messageId, addresses, customerIds, newCustomer));
        }

        var bodies = await FetchBodiesAsync(folder, wanted.Select(w => w.Uid).ToList(), ct);
        foreach (var (uid, envelope, messageId, addresses, customerIds, newCustomer) in wanted)
        {
            if (!bodies.TryGetValue(uid.Id, out var fetched) || fetched.Message is not { } mime)
            {
                var reason = fetched.Error?.Message ?? "the server sent no body for it";
                log.LogWarning("Mailbox {Mailbox}: message {Uid} in {Folder} could not be read: {Reason}", box.Id, uid.Id, folder.FullName, reason);
                counts.Dropped++;
                counts.LastError = $"A message in {folder.FullName} (UID {uid.Id}) could not be read: {reason}";
                continue;
            }
            var from = Addresses(envelope.From).FirstOrDefault() ?? "";
            var direction = sentFolder || from == box.Address ? Direction.Outbound : Direction.Inbound;
            var sentAt = (envelope.Date ?? mime.Date).UtcDateTime;
            if (sentAt.Year < 1971) sentAt = Now();
            var subject = EmailContent.Clip(envelope.Subject, 500);
            var text = EmailContent.Text(mime);
            var message = new EmailMessage
            {
                MessageId = messageId,
                MailboxId = box.Id,
                OwnerId = box.OwnerId,
                Folder = folder.FullName,
                Uid = uid.Id,
                UidValidity = folder.UidValidity,
                InReplyTo = EmailContent.Clip(EmailContent.Clean(mime.InReplyTo), 998),
                References = EmailContent.Clip(string.Join(' ', mime.References), 8000),
                ThreadKey = EmailContent.ThreadKey(mime.References, mime.InReplyTo, messageId),
                FromAddress = EmailContent.Clip(from, 254)!,
                FromName = EmailContent.Clip(envelope.From.Mailboxes.FirstOrDefault()?.Name, 300),
                ToAddresses = EmailContent.Clip(string.Join(", ", Addresses(envelope.To)), 8000)!,
                CcAddresses = EmailContent.Clip(string.Join(", ", Addresses(envelope.Cc)), 8000)!,
                Subject = subject,
                SentAt = sentAt,
                Direction = direction,
                HtmlBody = EmailContent.Html(mime),
                Visibility = box.Visibility,
                CreatedAt = Now(),
            };
            db.EmailMessages.Add(message);
            foreach (var userId in addresses.SelectMany(a => usersByAddress[a]).Append(box.OwnerId).Distinct())
                newParticipants.Add((message, userId));
            Communication? first = null;
            foreach (var customerId in customerIds.DefaultIfEmpty(0))
            {
                var communication = new Communication
                {
                    CustomerId = customerId,
                    Customer = customerId == 0 ? newCustomer : null,
                    Channel = "email",
                    Direction = direction,
                    OccurredAt = sentAt,
                    Subject = subject,
                    Content = text,
                    CreatedAt = Now(),
                    CreatedByKind = ActorKind.System,
                };
                MailOnTimeline.Share(communication, box.Visibility, box.OwnerId, addresses.SelectMany(a => usersByAddress[a]));
                db.Communications.Add(communication);
                newLinks.Add((message, communication));
                // The case belongs to the sender when they are a customer (not to a customer copied in).
                if (first is null || customersByAddress[from].Contains(customerId)) first = communication;
            }
            if (box.IsSupportAddress && first is not null) supportMail.Add((message, first));
            counts.Imported++;
        }

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // Ids of new messages and communications are needed for the links, so those rows go first.
        await db.SaveChangesAsync(ct);
        foreach (var (message, userId) in newParticipants)
            db.EmailParticipants.Add(new EmailParticipant { EmailMessageId = message.Id, UserId = userId });
        foreach (var (message, communication) in newLinks)
            db.EmailLinks.Add(new EmailLink { EmailMessageId = message.Id, CommunicationId = communication.Id, CustomerId = communication.CustomerId });
        foreach (var customer in newCustomers.Values)
            history.Created(ChangeLog.CustomerEntity, customer.Id, Actor.System, customer.CreatedAt);
        foreach (var (message, communication) in supportMail)
            await cases.TakeAsync(new SupportMail(communication.Id, communication.CustomerId, message.ThreadKey, message.Direction, message.Subject, message.SentAt), ct);
        state.LastUid = Math.Max(state.LastUid, batch.Max(u => u.Id));
        counts.AddTo(run, 1);
        try
        {
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        catch
        {
            // The batch is rolled back, so the ledger must not count it: the next run reads it again.
            counts.AddTo(run, -1);
            throw;
        }
        db.ChangeTracker.Clear();
        db.Attach(state);
        db.Attach(run);
    }

    /// <summary>
    /// The whole messages of a batch in one FETCH (one round trip rather than one per message); a message that
    /// does not parse is reported, not thrown, so one bad message does not stop the mailbox.
    /// </summary>
    private static async Task<Dictionary<uint, (MimeMessage? Message, Exception? Error)>> FetchBodiesAsync(IMailFolder folder, List<UniqueId> uids, CancellationToken ct)
    {
        var bodies = new Dictionary<uint, (MimeMessage?, Exception?)>();
        if (uids.Count == 0) return bodies;
        if (folder is ImapFolder imap)
        {
            await imap.GetStreamsAsync(uids, async (_, _, uid, stream, token) =>
            {
                try
                {
                    bodies[uid.Id] = (await MimeMessage.LoadAsync(stream, token), null);
                }
                catch (FormatException e)
                {
                    bodies[uid.Id] = (null, e);
                }
            }, ct);
            return bodies;
        }
        foreach (var uid in uids)
        {
            try
            {
                bodies[uid.Id] = (await folder.GetMessageAsync(uid, ct), null);
            }
            catch (Exception e) when (e is FormatException or ImapCommandException)
            {
                bodies[uid.Id] = (null, e);
            }
        }
        return bodies;
    }

    /// <summary>The sender of an incoming message from outside (not the mailbox itself, not a Kith user), or null.</summary>
    private static MailboxAddress? SupportSender(Mailbox box, Envelope envelope, bool sentFolder, ILookup<string, long> usersByAddress)
    {
        if (sentFolder || envelope.From?.Mailboxes.FirstOrDefault() is not { } sender) return null;
        var address = (sender.Address ?? "").Trim().ToLowerInvariant();
        if (!MailboxInput.IsAddress(address) || address == box.Address || usersByAddress.Contains(address)) return null;
        return new MailboxAddress(sender.Name, address);
    }

    private Customer NewCustomer(Mailbox box, MailboxAddress sender)
    {
        var name = EmailContent.Clip(string.IsNullOrWhiteSpace(sender.Name) ? sender.Address : sender.Name.Trim(), 200)!;
        var customer = new Customer { Name = name, Email = sender.Address, OwnerId = box.OwnerId, Source = "email" };
        customer.StampCreated(Actor.System, Now());
        CustomerWriter.SetSearch(customer, null);
        return customer;
    }

    private static IEnumerable<string> Addresses(InternetAddressList? list) =>
        list is null ? [] : list.Mailboxes.Select(m => (m.Address ?? "").Trim().ToLowerInvariant()).Where(a => a.Length > 0);

    private DateTime Now() => clock.GetUtcNow().UtcDateTime;

    private sealed class BatchCounts
    {
        public int Seen;
        public int Imported;
        public int AlreadyStored;
        public int NoCustomer;
        public int Dropped;
        public string? LastError;

        public void AddTo(MailSyncRun run, int sign)
        {
            run.Seen += sign * Seen;
            run.Imported += sign * Imported;
            run.AlreadyStored += sign * AlreadyStored;
            run.SkippedNoCustomer += sign * NoCustomer;
            run.Dropped += sign * Dropped;
            if (sign > 0 && LastError is not null) run.ErrorMessage = LastError;
        }
    }
}
