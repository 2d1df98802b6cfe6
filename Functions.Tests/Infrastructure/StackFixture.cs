using Collab.Testing;

namespace Collab.Functions.Tests.Infrastructure;

/// <summary>
/// One local stack (emulators, the local functions host and its real worker process) shared by the tests of a
/// class, which keep apart by using their own boards and users. Tests that need other settings start their own
/// <see cref="LocalStack"/>.
/// </summary>
public sealed class StackFixture : IAsyncLifetime
{
    private LocalStack? _stack;

    public EmulatorHost Emulators { get; } = new();

    /// <summary>Every log entry of the host and the worker.</summary>
    public LogCapture Logs { get; } = new();

    internal LocalStack Stack => _stack ?? throw new InvalidOperationException("The stack has not started.");

    public async Task InitializeAsync()
    {
        await Emulators.InitializeAsync();
        _stack = await LocalStack.StartAsync(Emulators, logs: Logs);
    }

    public async Task DisposeAsync()
    {
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
        }

        await Emulators.DisposeAsync();
    }
}
