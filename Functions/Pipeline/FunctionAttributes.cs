namespace Collab.Functions.Pipeline;

/// <summary>
/// Marks a function for a signed-in user. Before it runs, the pipeline refuses a browser origin that is not allowed
/// (403), requires the Easy Auth principal (401) and marks the response <c>no-store</c>, because such responses
/// usually carry a credential or a private board. The function reads the caller with
/// <see cref="FunctionContextUserExtensions.GetSignedInUser"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class SignedInAttribute : Attribute;

/// <summary>Marks a <see cref="SignedInAttribute"/> function as counted against the per-user rate limit (429 with <c>Retry-After</c> beyond it).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RateLimitedAttribute : Attribute;

/// <summary>
/// How long a function's callers should wait before retrying when a dependency is unavailable (the 503's
/// <c>Retry-After</c>); 5 seconds unless declared.
/// </summary>
/// <param name="seconds">The wait.</param>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RetryAfterAttribute(int seconds) : Attribute
{
    /// <summary>The wait.</summary>
    public TimeSpan RetryAfter { get; } = TimeSpan.FromSeconds(seconds);
}
