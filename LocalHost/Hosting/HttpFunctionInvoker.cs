using System.Text.Json;
using Collab.LocalHost.Bindings;
using Collab.LocalHost.Metadata;
using Collab.LocalHost.Rpc;
using Collab.LocalHost.Worker;
using Yarp.ReverseProxy.Forwarder;

namespace Collab.LocalHost.Hosting;

/// <summary>
/// Runs one HTTP-triggered function as the Functions host does with ASP.NET Core integration
/// (<c>../shared/protocols/functions-host-grpc.md</c> §3): the request is forwarded to the worker's <c>HttpUri</c>
/// with <c>x-ms-invocation-id</c>, paired with an <c>InvocationRequest</c> whose trigger metadata carries the route
/// values, query parameters, <c>Query</c> and <c>Headers</c>; the worker writes the response, which is streamed back.
/// </summary>
/// <remarks>
/// As on Azure, forwarding does not start the client's response until the first body byte, so an invocation that
/// failed with nothing written becomes 500; one that failed after its response started aborts the connection. A
/// client that goes away cancels the invocation (<c>InvocationCancel</c>). <c>functionTimeout</c> cancels an
/// invocation, fails it, and recycles the worker when it has not finished within the grace period.
/// </remarks>
public sealed class HttpFunctionInvoker(
    WorkerSupervisor worker,
    IHttpForwarder forwarder,
    HttpMessageInvoker workerHttp,
    BlobOutputWriter blobs,
    IConfiguration configuration,
    HostJson hostJson,
    ILogger<HttpFunctionInvoker> logger)
{
    /// <summary>The header that pairs a forwarded request with its invocation.</summary>
    public const string InvocationIdHeader = "x-ms-invocation-id";

    private static readonly ForwarderRequestConfig Forwarding = new() { ActivityTimeout = TimeSpan.FromSeconds(240) };

    /// <summary>Invokes <paramref name="functionName"/> for <paramref name="context"/>; 503 with <c>Retry-After</c> while no worker is ready.</summary>
    public async Task InvokeAsync(HttpContext context, string functionName)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (worker.Current is not { } session || !session.Functions.TryGetValue(functionName, out var function))
        {
            await WorkerUnavailableAsync(context);
            return;
        }

        Dictionary<string, string> blobPaths;
        try
        {
            // The host binds output paths before it runs the function, so an unresolvable one fails the invocation.
            blobPaths = function.BlobOutputs.ToDictionary(b => b.Name, b => BindingExpression.Resolve(b.BlobPath!, context.Request, configuration));
        }
        catch (InvalidOperationException ex)
        {
            logger.LogError("Function {Function} binding failed: {Error}", function.Name, ex.Message);
            Fail(context, StatusCodes.Status500InternalServerError);
            return;
        }

        var invocationId = Guid.NewGuid().ToString();
        context.Request.Headers[InvocationIdHeader] = invocationId;
        // Current from here on: the invocation's TraceContext and the forwarded request carry it to the worker.
        using var activity = HostTelemetry.StartInvocation(function.Name, "http", invocationId);
        var invocation = session.InvokeAsync(Request(invocationId, function, context), hostJson.FunctionTimeout, context.RequestAborted);
        // Forwarding ends with the invocation's time, so a client is not left waiting on a worker that no longer answers.
        using var forwarding = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        if (hostJson.FunctionTimeout is { } timeout)
        {
            forwarding.CancelAfter(timeout);
        }

        var forwarded = await forwarder.SendAsync(context, session.HttpUri.AbsoluteUri, workerHttp, Forwarding, HttpTransformer.Default, forwarding.Token);
        if (forwarded != ForwarderError.None && !forwarding.IsCancellationRequested)
        {
            // The request did not get through, so the invocation would only wait for it: end it now.
            logger.LogError("Function {Function} invocation {InvocationId} failed: forwarding to the worker ended with {Error}", function.Name, invocationId, forwarded);
            session.Cancel(invocationId);
            HostTelemetry.Fail(activity, $"forwarding failed: {forwarded}");
            Fail(context, forwarded is ForwarderError.RequestBodyClient or ForwarderError.RequestBodyCanceled ? StatusCodes.Status400BadRequest : StatusCodes.Status500InternalServerError);
            return;
        }

        InvocationResponse response;
        try
        {
            response = await invocation;
        }
        catch (FunctionTimeoutException)
        {
            logger.LogError("Timeout value of {Timeout} exceeded by function '{Function}' (Id: '{InvocationId}'). Initiating cancellation.", hostJson.FunctionTimeout, function.Name, invocationId);
            HostTelemetry.Fail(activity, "function timeout");
            Fail(context, StatusCodes.Status500InternalServerError);
            return;
        }
        catch (OperationCanceledException)
        {
            logger.LogInformation("Function {Function} invocation {InvocationId} cancelled: the client went away", function.Name, invocationId);
            return;
        }
        catch (WorkerUnavailableException)
        {
            logger.LogError("Function {Function} invocation {InvocationId} failed: the worker went away", function.Name, invocationId);
            HostTelemetry.Fail(activity, "the worker went away");
            if (!context.Response.HasStarted)
            {
                context.Response.Clear();
                await WorkerUnavailableAsync(context);
                return;
            }

            context.Abort();
            return;
        }

        if (response.Result?.Status == StatusResult.Types.Status.Success)
        {
            try
            {
                await blobs.WriteAsync(function, blobPaths, response, context.RequestAborted);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError("Function {Function} output binding failed: {Error}", function.Name, ex.Message);
                HostTelemetry.Fail(activity, "output binding failed");
            }
        }
        else
        {
            logger.LogError("Function {Function} invocation {InvocationId} failed: {Error}", function.Name, invocationId, InvocationFailure.Describe(response.Result));
            HostTelemetry.Fail(activity, "the function failed");
        }

        Fail(context, StatusCodes.Status500InternalServerError);
    }

    /// <summary>The trigger metadata the host sends for an HTTP trigger with a proxying worker: an empty <c>RpcHttp</c> input, route values and query parameters as strings, <c>Query</c> and <c>Headers</c> as JSON.</summary>
    private static InvocationRequest Request(string invocationId, DeclaredFunction function, HttpContext context)
    {
        var request = new InvocationRequest
        {
            InvocationId = invocationId,
            FunctionId = function.FunctionId,
            InputData = { new ParameterBinding { Name = function.Trigger.Name, Data = new TypedData { Http = new RpcHttp() } } },
            TraceContext = TraceContexts.Current(),
        };
        var query = context.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in query)
        {
            // As the host does, the function key is not binding data.
            if (!string.Equals(name, "code", StringComparison.OrdinalIgnoreCase))
            {
                request.TriggerMetadata[name] = new TypedData { String = value };
            }
        }

        foreach (var (name, value) in context.Request.RouteValues)
        {
            if (value?.ToString() is { } text)
            {
                request.TriggerMetadata[name] = new TypedData { String = text };
            }
        }

        request.TriggerMetadata.TryAdd("Query", new TypedData { Json = JsonSerializer.Serialize(query) });
        request.TriggerMetadata.TryAdd("Headers", new TypedData { Json = JsonSerializer.Serialize(context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString())) });
        return request;
    }

    private static void Fail(HttpContext context, int status)
    {
        if (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        if (context.Response.HasStarted)
        {
            context.Abort();
            return;
        }

        context.Response.Clear();
        context.Response.StatusCode = status;
    }

    private static async Task WorkerUnavailableAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = "2";
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync("The Functions worker is starting or restarting; retry shortly.");
    }
}
