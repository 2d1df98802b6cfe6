namespace Collab.Boards.Errors;

/// <summary>The caller went over a limit on how much it may do at once; retrying after <see cref="RetryAfter"/> may work.</summary>
/// <param name="code">Which limit, e.g. <c>too-many-operations</c>.</param>
/// <param name="detail">What the limit is and what to do, for the user.</param>
/// <param name="retryAfter">When trying again may succeed.</param>
public sealed class TooManyRequestsException(string code, string detail, TimeSpan retryAfter) : CollabException(code, detail)
{
    /// <summary>When trying again may succeed.</summary>
    public TimeSpan RetryAfter { get; } = retryAfter;
}
