namespace Collab.Functions.Health;

/// <summary>Checks whether one external dependency answers.</summary>
public interface IDependencyProbe
{
    /// <summary>The dependency's name in the health report (<c>storage</c>, <c>webPubSub</c>, <c>acs</c>).</summary>
    string Name { get; }

    /// <summary>Contacts the dependency once; throws when it does not answer.</summary>
    Task ProbeAsync(CancellationToken cancellationToken);
}
