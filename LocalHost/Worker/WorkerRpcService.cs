using System.Collections.Concurrent;
using Collab.LocalHost.Rpc;
using Grpc.Core;

namespace Collab.LocalHost.Worker;

/// <summary>
/// The host's <c>FunctionRpc</c> service. A worker opens <c>EventStream</c> and first sends <c>StartStream</c> with
/// the id it was started with; only a worker this host is waiting for is admitted, so a stray process on the
/// loopback port cannot pose as the worker.
/// </summary>
public sealed class WorkerRpcService(WorkerChannels channels, ILogger<WorkerRpcService> logger) : FunctionRpc.FunctionRpcBase
{
    private static readonly TimeSpan StartStreamTimeout = TimeSpan.FromSeconds(30);

    /// <inheritdoc />
    public override async Task EventStream(IAsyncStreamReader<StreamingMessage> requestStream, IServerStreamWriter<StreamingMessage> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(context);
        // A connection that does not introduce itself promptly is not a worker this host started.
        using var introduction = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        introduction.CancelAfter(StartStreamTimeout);
        if (!await requestStream.MoveNext(introduction.Token)
            || requestStream.Current.ContentCase != StreamingMessage.ContentOneofCase.StartStream
            || !channels.TryClaim(requestStream.Current.StartStream.WorkerId, out var channel))
        {
            logger.LogWarning("Refused an event stream that did not start with the StartStream of an expected worker");
            throw new Grpc.Core.RpcException(new Status(StatusCode.PermissionDenied, "Unknown worker."));
        }

        await channel.RunAsync(requestStream, responseStream, context.CancellationToken);
    }
}

/// <summary>The channels of workers that have been started and not yet connected, by worker id.</summary>
public sealed class WorkerChannels
{
    private readonly ConcurrentDictionary<string, WorkerChannel> _expected = new();

    /// <summary>Expects the worker of <paramref name="channel"/>; at most one worker is started at a time.</summary>
    public void Expect(WorkerChannel channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        _expected[channel.WorkerId] = channel;
    }

    /// <summary>Stops expecting <paramref name="workerId"/> (it connected, or its start failed).</summary>
    public void Forget(string workerId) => _expected.TryRemove(workerId, out _);

    /// <summary>Claims the channel of <paramref name="workerId"/>, once.</summary>
    public bool TryClaim(string workerId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out WorkerChannel? channel) =>
        _expected.TryRemove(workerId, out channel);
}
