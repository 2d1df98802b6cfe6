using Collab.Boards.Errors;
using System.Globalization;

namespace Collab.Functions.Acs;

/// <summary>An ACS API (identity, chat or rooms) refused a request, or could not be reached after every retry.</summary>
public sealed class AcsRequestException : Exception
{
    /// <summary>Creates the exception from the service's status and error body.</summary>
    /// <param name="service">Which API: <c>identity</c>, <c>chat</c> or <c>rooms</c>.</param>
    /// <param name="status">The HTTP status, 0 when no answer arrived.</param>
    /// <param name="code">The service's <c>error.code</c>.</param>
    /// <param name="message">The service's <c>error.message</c>.</param>
    /// <param name="retryAfter">The service's <c>Retry-After</c>.</param>
    /// <param name="inner">The network failure, if any.</param>
    public AcsRequestException(string service, int status, string code, string message, TimeSpan? retryAfter = null, Exception? inner = null)
        : base($"ACS {service} API: {(status == 0 ? "unreachable" : status.ToString(CultureInfo.InvariantCulture))} {code}: {message}", inner)
    {
        Service = service;
        Status = status;
        Code = code;
        RetryAfter = retryAfter;
    }

    /// <summary>Which API refused: <c>identity</c>, <c>chat</c> or <c>rooms</c>.</summary>
    public string Service { get; }

    /// <summary>The HTTP status, or 0 when no response arrived.</summary>
    public int Status { get; }

    /// <summary>The service's <c>error.code</c>, such as <c>IdentityNotOwned</c> or <c>ValidationError</c>.</summary>
    public string Code { get; }

    /// <summary>The service's last <c>Retry-After</c>, when it sent one.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>True when the identity does not exist (any more) in the resource: 401 <c>IdentityNotOwned</c>.</summary>
    public bool IsIdentityGone => Status == 401 && Code == "IdentityNotOwned";

    /// <summary>True when the thing addressed does not exist (any more): 404 (a deleted room or thread).</summary>
    public bool IsNotFound => Status == 404;

    /// <summary>True when waiting might help: unreachable, 408, 429 or 5xx.</summary>
    public bool IsTransient => Status is 0 or 408 or 429 or >= 500;

    /// <summary>The app's error for this failure: 503 with <c>Retry-After</c> when waiting might help, else 502.</summary>
    public UnavailableException ToCollabException() =>
        IsTransient
            ? new UnavailableException("Azure Communication Services is unavailable; retry later.", RetryAfter ?? TimeSpan.FromSeconds(5), this)
            : UnavailableException.Failed($"Azure Communication Services refused the request ({Service} {Status} {Code}).", this);
}
