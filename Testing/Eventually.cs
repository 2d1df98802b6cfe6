namespace Collab.Testing;

/// <summary>Waits for something another process does in its own time; the caller asserts on it afterwards.</summary>
public static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> every <paramref name="every"/> (100 ms by default) until it holds or <paramref name="within"/> has passed.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan within, TimeSpan? every = null)
    {
        var deadline = DateTime.UtcNow + within;
        while (!await condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(every ?? TimeSpan.FromMilliseconds(100));
        }
    }

    /// <inheritdoc cref="UntilAsync(Func{Task{bool}}, TimeSpan, TimeSpan?)"/>
    public static Task UntilAsync(Func<bool> condition, TimeSpan within, TimeSpan? every = null) =>
        UntilAsync(() => Task.FromResult(condition()), within, every);
}
