namespace Collab.LocalHost.Hosting;

/// <summary>
/// Retries a forwarded request whose connection to the worker could not be opened, as the host's proxy does: the
/// worker announces its <c>HttpUri</c> before its Kestrel listens, so the first requests after a (re)start can be
/// refused. Only connection failures are retried, so no request reaches the worker twice.
/// </summary>
public sealed class WorkerConnectRetryHandler : DelegatingHandler
{
    private const int Attempts = 10;
    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromMilliseconds(250);

    /// <summary>A handler over <paramref name="inner"/>.</summary>
    public WorkerConnectRetryHandler(HttpMessageHandler inner)
        : base(inner)
    {
    }

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var delay = FirstDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await base.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException ex) when (ex.HttpRequestError == HttpRequestError.ConnectionError && attempt < Attempts)
            {
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
            }
        }
    }
}
