namespace Collab.LocalHost.Metadata;

/// <summary>One function, as the worker declared it in its <c>FunctionMetadataResponse</c> (worker indexing).</summary>
public sealed class DeclaredFunction
{
    /// <summary>The function name.</summary>
    public string Name { get; init; } = "";

    /// <summary>The id the worker gave the function; invocations name it.</summary>
    public string FunctionId { get; init; } = "";

    /// <summary>The bindings, trigger included.</summary>
    public IReadOnlyList<DeclaredBinding> Bindings { get; init; } = [];

    /// <summary>The trigger binding.</summary>
    public DeclaredBinding Trigger => Bindings.Single(b => b.IsTrigger);

    /// <summary>The blob output bindings, whose paths the host resolves and whose content it writes.</summary>
    public IEnumerable<DeclaredBinding> BlobOutputs => Bindings.Where(b => b.Type == "blob" && b.Direction == "Out");
}
