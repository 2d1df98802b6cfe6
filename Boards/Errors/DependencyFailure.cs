using Azure;

namespace Collab.Boards.Errors;

/// <summary>
/// Recognises a dependency (storage, a REST service) that is unreachable or failing, however the SDK reports it: the
/// Azure SDK throws <see cref="AggregateException"/> once its own retries are spent. Such failures become a 503 with
/// <c>Retry-After</c>, never a 500 with an exception message.
/// </summary>
public static class DependencyFailure
{
    /// <summary>True when <paramref name="exception"/> means "a dependency is unavailable right now".</summary>
    public static bool IsUnavailable(Exception exception) => exception switch
    {
        RequestFailedException failed => failed.Status is 0 or 408 or 429 or >= 500,
        HttpRequestException or TimeoutException or TaskCanceledException => true,
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsUnavailable),
        _ => false,
    };
}
