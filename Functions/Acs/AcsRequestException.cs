namespace Collab.Functions.Acs;

/// <summary>The ACS identity API refused a request, or could not be reached after every retry.</summary>
public sealed class AcsRequestException : Exception
{
    /// <summary>Creates the exception from the service's status and error body.</summary>
    public AcsRequestException(int status, string code, string message, TimeSpan? retryAfter = null, Exception? inner = null)
        : base($"ACS identity API: {(status == 0 ? "unreachable" : status.ToString(System.Globalization.CultureInfo.InvariantCulture))} {code}: {message}", inner)
    {
        Status = status;
        Code = code;
        RetryAfter = retryAfter;
    }

    /// <summary>The HTTP status, or 0 when no response arrived.</summary>
    public int Status { get; }

    /// <summary>The service's <c>error.code</c>, such as <c>IdentityNotOwned</c> or <c>ValidationError</c>.</summary>
    public string Code { get; }

    /// <summary>The service's last <c>Retry-After</c>, when it sent one.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>True when the identity does not exist (any more) in the resource: 401 <c>IdentityNotOwned</c>.</summary>
    public bool IsIdentityGone => Status == 401 && Code == "IdentityNotOwned";

    /// <summary>True when waiting might help: unreachable, 408, 429 or 5xx.</summary>
    public bool IsTransient => Status is 0 or 408 or 429 or >= 500;
}
