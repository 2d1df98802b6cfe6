namespace Collab.LocalHost.Metadata;

/// <summary>One function of <c>functions.metadata</c>.</summary>
public sealed class DeclaredFunction
{
    /// <summary>The function name.</summary>
    public string Name { get; init; } = "";

    /// <summary><c>Namespace.Class.Method</c>.</summary>
    public string EntryPoint { get; init; } = "";

    /// <summary>The bindings, trigger included.</summary>
    public IReadOnlyList<DeclaredBinding> Bindings { get; init; } = [];

    /// <summary>The trigger binding.</summary>
    public DeclaredBinding Trigger => Bindings.Single(b => b.IsTrigger);
}
