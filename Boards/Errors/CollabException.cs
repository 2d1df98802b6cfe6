namespace Collab.Boards.Errors;

/// <summary>
/// The one error family of the app's services: each says what went wrong in domain terms, with a stable
/// <see cref="Code"/> and a detail a user can read. Only the edge (the functions' middleware) turns them into HTTP
/// problem responses; services never see an HTTP type.
/// </summary>
public abstract class CollabException : Exception
{
    /// <summary>Creates the exception.</summary>
    protected CollabException(string code, string detail, Exception? inner = null)
        : base(detail, inner) => Code = code;

    /// <summary>The stable kind, <c>urn:collab:problem:{Code}</c> at the edge.</summary>
    public string Code { get; }
}

/// <summary>The request is malformed or asks for something it may not have.</summary>
public sealed class InvalidRequestException : CollabException
{
    /// <summary>Creates the exception with the code <c>invalid-request</c>.</summary>
    public InvalidRequestException(string detail)
        : base(InvalidCode, detail)
    {
    }

    /// <summary>Creates the exception with its own <paramref name="code"/>, e.g. <c>chat-moved</c>, still a 400.</summary>
    public InvalidRequestException(string code, string detail)
        : base(code, detail)
    {
    }

    /// <summary>The code of malformed requests.</summary>
    public const string InvalidCode = "invalid-request";

    /// <summary>The code of a body whose media type is not accepted.</summary>
    public const string MediaTypeCode = "unsupported-media-type";

    /// <summary>A body of a media type the operation does not accept.</summary>
    public static InvalidRequestException UnsupportedMediaType(string detail = "The body must be application/json.") => new(MediaTypeCode, detail);
}

/// <summary>A credential the caller presented (not the sign-in itself) was refused, such as a Teams user's Entra token.</summary>
/// <param name="code">Which credential, e.g. <c>teams-token-rejected</c>.</param>
/// <param name="detail">Why, for the user.</param>
public sealed class UnauthenticatedException(string code, string detail) : CollabException(code, detail);

/// <summary>A body or a board over its size limit.</summary>
public sealed class TooLargeException : CollabException
{
    /// <summary>A request body over <paramref name="maxBytes"/>, code <c>payload-too-large</c>.</summary>
    public TooLargeException(int maxBytes)
        : this("payload-too-large", $"The body must be at most {maxBytes} bytes.", maxBytes)
    {
    }

    /// <summary>Something else over its limit, such as a board over its size cap (<c>board-too-large</c>).</summary>
    public TooLargeException(string code, string detail, long limit)
        : base(code, detail) => Limit = limit;

    /// <summary>The limit that was exceeded (bytes, or shapes for a board's shape cap).</summary>
    public long Limit { get; }
}

/// <summary>The caller went over a limit on how much it may do (per user, per connection); retrying after <see cref="RetryAfter"/> may work.</summary>
/// <param name="detail">What the limit is and what to do, for the user.</param>
/// <param name="retryAfter">When trying again may succeed.</param>
/// <param name="code">Which limit, e.g. <c>too-many-operations</c>.</param>
public sealed class RateLimitedException(string detail, TimeSpan retryAfter, string code = "rate-limited") : CollabException(code, detail)
{
    /// <summary>When to retry.</summary>
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>The named thing does not exist (or is not revealed to the caller).</summary>
/// <param name="code">What was not found, e.g. <c>board-not-found</c>.</param>
/// <param name="detail">The detail.</param>
public sealed class NotFoundException(string code, string detail) : CollabException(code, detail);

/// <summary>The caller is known but may not do this.</summary>
/// <param name="detail">Why.</param>
public sealed class ForbiddenException(string detail) : CollabException("forbidden", detail);

/// <summary>The request conflicts with what exists.</summary>
/// <param name="detail">With what.</param>
public sealed class ConflictException(string detail) : CollabException("conflict", detail);

/// <summary>
/// A dependency is unavailable (retrying after <see cref="RetryAfter"/> may work) or failed in a way retrying will
/// not fix (<see cref="RetryAfter"/> is null).
/// </summary>
public sealed class UnavailableException : CollabException
{
    /// <summary>A dependency that is throttling or unreachable.</summary>
    public UnavailableException(string detail, TimeSpan retryAfter, Exception? inner = null)
        : base("upstream-unavailable", detail, inner) => RetryAfter = retryAfter;

    private UnavailableException(string detail, Exception? inner)
        : base("upstream-failure", detail, inner)
    {
    }

    /// <summary>When to retry; null when the dependency failed for good.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>A dependency answered with an error retrying cannot fix (for example a rejected key).</summary>
    public static UnavailableException Failed(string detail, Exception? inner = null) => new(detail, inner);
}
