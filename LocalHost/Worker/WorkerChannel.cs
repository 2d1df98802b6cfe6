using System.Collections.Concurrent;
using System.Threading.Channels;
using Collab.LocalHost.Rpc;
using Grpc.Core;

namespace Collab.LocalHost.Worker;

/// <summary>
/// The host's end of one worker's <c>EventStream</c>: messages to the worker go through one writer loop (a gRPC stream
/// writer takes one write at a time), and answers are matched to their requests: init and metadata by kind, loads by
/// function id, invocations by invocation id. <c>RpcLog</c> messages become host log entries under the worker's
/// category. When the stream ends, every pending request fails with <see cref="WorkerUnavailableException"/>.
/// </summary>
public sealed class WorkerChannel
{
    private static readonly WriteOptions BufferHint = new(WriteFlags.BufferHint);
    private readonly Channel<StreamingMessage> _outbound = Channel.CreateUnbounded<StreamingMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, TaskCompletionSource<StreamingMessage>> _pending = new();
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ILoggerFactory _loggers;

    /// <summary>A channel for the worker started with <paramref name="workerId"/>.</summary>
    public WorkerChannel(string workerId, ILoggerFactory loggers)
    {
        WorkerId = workerId;
        _loggers = loggers;
    }

    /// <summary>The id the worker was started with and sends back in <c>StartStream</c>.</summary>
    public string WorkerId { get; }

    /// <summary>Completes when the worker has opened its stream.</summary>
    public Task Connected => _connected.Task;

    /// <summary>Sends <paramref name="message"/> and waits for the answer stored under <paramref name="key"/>.</summary>
    /// <exception cref="WorkerUnavailableException">The stream ended first.</exception>
    public async Task<StreamingMessage> RequestAsync(string key, StreamingMessage message, CancellationToken cancellationToken)
    {
        var answer = new TaskCompletionSource<StreamingMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.TryAdd(key, answer))
        {
            throw new InvalidOperationException($"A request '{key}' is already pending.");
        }

        try
        {
            Send(message);
            return await answer.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            _pending.TryRemove(key, out _);
        }
    }

    /// <summary>Queues <paramref name="message"/> for the worker; nothing happens once the stream has ended.</summary>
    public void Send(StreamingMessage message)
    {
        if (!_outbound.Writer.TryWrite(message))
        {
            throw new WorkerUnavailableException("The worker's stream has ended.");
        }
    }

    /// <summary>Runs the stream after the worker's <c>StartStream</c> until either side ends it.</summary>
    internal async Task RunAsync(IAsyncStreamReader<StreamingMessage> reader, IServerStreamWriter<StreamingMessage> writer, CancellationToken cancellationToken)
    {
        _connected.TrySetResult();
        var writing = WriteAsync(writer, cancellationToken);
        try
        {
            while (await reader.MoveNext(cancellationToken))
            {
                Receive(reader.Current);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or Grpc.Core.RpcException)
        {
            _loggers.CreateLogger<WorkerChannel>().LogDebug("The stream of worker {WorkerId} broke: {Error}", WorkerId, ex.Message);
        }
        finally
        {
            Complete();
        }

        await writing;
    }

    /// <summary>Ends the channel: no more sends, and every pending request fails.</summary>
    public void Complete()
    {
        _outbound.Writer.TryComplete();
        foreach (var pending in _pending.Values)
        {
            pending.TrySetException(new WorkerUnavailableException("The worker's stream ended before it answered."));
        }
    }

    private async Task WriteAsync(IServerStreamWriter<StreamingMessage> writer, CancellationToken cancellationToken)
    {
        try
        {
            var reader = _outbound.Reader;
            while (await reader.WaitToReadAsync(cancellationToken))
            {
                while (reader.TryRead(out var message))
                {
                    // Under load many invocations queue at once: buffer all but the last, so they share one flush.
                    writer.WriteOptions = reader.TryPeek(out _) ? BufferHint : null;
                    await writer.WriteAsync(message, cancellationToken);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException or Grpc.Core.RpcException)
        {
            // Nothing more can reach the worker: fail what waits for it now rather than at its timeout.
            Complete();
        }
    }

    private void Receive(StreamingMessage message)
    {
        var key = message.ContentCase switch
        {
            StreamingMessage.ContentOneofCase.RpcLog => null,
            StreamingMessage.ContentOneofCase.WorkerInitResponse => Keys.Init,
            StreamingMessage.ContentOneofCase.FunctionMetadataResponse => Keys.Metadata,
            StreamingMessage.ContentOneofCase.FunctionLoadResponse => Keys.Load(message.FunctionLoadResponse.FunctionId),
            StreamingMessage.ContentOneofCase.InvocationResponse => Keys.Invocation(message.InvocationResponse.InvocationId),
            _ => null,
        };
        if (message.ContentCase == StreamingMessage.ContentOneofCase.RpcLog)
        {
            Log(message.RpcLog);
        }
        else if (key is not null && _pending.TryGetValue(key, out var answer))
        {
            answer.TrySetResult(message);
        }
    }

    private void Log(RpcLog log)
    {
        var level = log.Level switch
        {
            RpcLog.Types.Level.Trace => LogLevel.Trace,
            RpcLog.Types.Level.Debug => LogLevel.Debug,
            RpcLog.Types.Level.Information => LogLevel.Information,
            RpcLog.Types.Level.Warning => LogLevel.Warning,
            RpcLog.Types.Level.Error => LogLevel.Error,
            RpcLog.Types.Level.Critical => LogLevel.Critical,
            _ => LogLevel.None,
        };
        var logger = _loggers.CreateLogger(string.IsNullOrEmpty(log.Category) ? "Worker" : log.Category);
        if (!logger.IsEnabled(level))
        {
            return;
        }

        // The worker has already formatted its message; pass it through as a value, never as a template.
        if (log.Exception is { } exception)
        {
            logger.Log(level, "{Message} ({ExceptionType}: {ExceptionMessage})", log.Message, exception.Type, exception.Message);
        }
        else
        {
            logger.Log(level, "{Message}", log.Message);
        }
    }

    /// <summary>The keys answers are matched by.</summary>
    public static class Keys
    {
        /// <summary>The <c>WorkerInitResponse</c>.</summary>
        public const string Init = "init";

        /// <summary>The <c>FunctionMetadataResponse</c>.</summary>
        public const string Metadata = "metadata";

        /// <summary>The <c>FunctionLoadResponse</c> of a function.</summary>
        public static string Load(string functionId) => "load:" + functionId;

        /// <summary>The <c>InvocationResponse</c> of an invocation.</summary>
        public static string Invocation(string invocationId) => "invocation:" + invocationId;
    }
}
