using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Azure.Functions.Worker;

namespace Collab.Functions.Pipeline;

/// <summary>What a function declares for the pipeline, read once from its method's attributes.</summary>
/// <param name="SignedIn">It is for a signed-in user.</param>
/// <param name="RateLimited">It counts against the per-user rate limit.</param>
/// <param name="RetryAfter">The <c>Retry-After</c> of its 503 when a dependency is unavailable.</param>
public sealed record FunctionPolicy(bool SignedIn, bool RateLimited, TimeSpan RetryAfter);

/// <summary>
/// The <see cref="FunctionPolicy"/> of each function, found from the worker's entry point
/// (<c>Namespace.Class.Method</c>) in this assembly. The cache holds one entry per function the app declares.
/// </summary>
public sealed class FunctionPolicies
{
    private static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, FunctionPolicy> _policies = new(StringComparer.Ordinal);

    /// <summary>The policy of the function <paramref name="context"/> invokes.</summary>
    public FunctionPolicy Of(FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return _policies.GetOrAdd(context.FunctionDefinition.EntryPoint, Read);
    }

    private static FunctionPolicy Read(string entryPoint)
    {
        var dot = entryPoint.LastIndexOf('.');
        var method = typeof(FunctionPolicies).Assembly.GetType(entryPoint[..dot])?.GetMethod(entryPoint[(dot + 1)..], BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
            ?? throw new InvalidOperationException($"The function entry point {entryPoint} is not a public method of this app.");
        return new FunctionPolicy(
            method.IsDefined(typeof(SignedInAttribute)),
            method.IsDefined(typeof(RateLimitedAttribute)),
            method.GetCustomAttribute<RetryAfterAttribute>()?.RetryAfter ?? DefaultRetryAfter);
    }
}
