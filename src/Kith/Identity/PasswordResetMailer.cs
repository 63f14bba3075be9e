using System.Threading.Channels;
using Kith.Core.Identity;

namespace Kith.Identity;

/// <summary>
/// Sends the links the forgotten-password page asks for, after its answer has gone out. Looking the address up and
/// talking to the SMTP server happen here, never in the request, so the page answers in the same time whether the
/// account exists, is disabled or is unknown. A request queued on a node that then stops is lost; the person asks
/// again. The queue is bounded: past it, requests are dropped, which the per-address throttle makes unlikely anyway.
/// </summary>
internal sealed class PasswordResetMailer(IServiceScopeFactory scopes, ILogger<PasswordResetMailer> log) : BackgroundService
{
    private readonly Channel<(string Email, string Address)> _requests =
        Channel.CreateBounded<(string, string)>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    public void Enqueue(string email, string address) => _requests.Writer.TryWrite((email, address));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var (email, address) in _requests.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<SendPasswordReset>().ForEmailAsync(email, address, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The page already answered; an administrator sees this in the log (and "Send test" on system mail).
                log.LogError(e, "A password reset link could not be sent");
            }
        }
    }
}
