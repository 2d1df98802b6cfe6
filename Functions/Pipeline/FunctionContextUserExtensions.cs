using Collab.Functions.Identity;
using Microsoft.Azure.Functions.Worker;

namespace Collab.Functions.Pipeline;

/// <summary>The caller that <see cref="SignedInUserMiddleware"/> admitted, handed to the function through its <see cref="FunctionContext"/>.</summary>
public static class FunctionContextUserExtensions
{
    private const string Key = "Collab.SignedInUser";

    /// <summary>The signed-in caller of a <see cref="SignedInAttribute"/> function.</summary>
    /// <exception cref="InvalidOperationException">The function is not marked <see cref="SignedInAttribute"/>, so no user was read.</exception>
    public static SignedInUser GetSignedInUser(this FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Items.TryGetValue(Key, out var user) && user is SignedInUser signedIn
            ? signedIn
            : throw new InvalidOperationException($"Function {context.FunctionDefinition.Name} has no signed-in user: mark it [SignedIn].");
    }

    /// <summary>The signed-in caller, when the pipeline has read one.</summary>
    internal static SignedInUser? FindSignedInUser(this FunctionContext context) =>
        context.Items.TryGetValue(Key, out var user) ? user as SignedInUser : null;

    internal static void SetSignedInUser(this FunctionContext context, SignedInUser user) => context.Items[Key] = user;
}
