using System.Reflection;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Collab.LocalHost.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.Azure.Functions.Worker;

namespace Collab.LocalHost.Hosting;

/// <summary>
/// Calls one function the way the isolated worker does: a fresh instance of its class from DI, parameters bound by
/// type and name (the request, route values, the cancellation token, timer info), then its outputs: the HTTP result
/// and every non-null <c>[BlobOutput]</c> property written to storage at its resolved path.
/// </summary>
public sealed class FunctionInvoker
{
    private readonly DeclaredFunction _function;
    private readonly Type _type;
    private readonly MethodInfo _method;

    /// <summary>Resolves <paramref name="function"/>'s entry point in <paramref name="assembly"/>.</summary>
    /// <exception cref="InvalidOperationException">The entry point does not exist.</exception>
    public FunctionInvoker(DeclaredFunction function, Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(assembly);
        _function = function;
        var split = function.EntryPoint.LastIndexOf('.');
        _type = assembly.GetType(function.EntryPoint[..split])
            ?? throw new InvalidOperationException($"Function '{function.Name}': type {function.EntryPoint[..split]} not found.");
        _method = _type.GetMethod(function.EntryPoint[(split + 1)..], BindingFlags.Public | BindingFlags.Instance)
            ?? throw new InvalidOperationException($"Function '{function.Name}': method {function.EntryPoint} not found.");
    }

    /// <summary>The function.</summary>
    public DeclaredFunction Function => _function;

    /// <summary>Invokes the function for an HTTP request and writes its response.</summary>
    public async Task InvokeHttpAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var configuration = context.RequestServices.GetRequiredService<IConfiguration>();
        Dictionary<string, string> blobPaths;
        try
        {
            // The host binds output paths before it runs the function, so an unresolvable one fails the invocation.
            blobPaths = _function.Bindings.Where(b => b.Type == "blob" && b.Direction == "Out")
                .ToDictionary(b => b.Name, b => BindingExpression.Resolve(b.BlobPath!, context.Request, configuration));
        }
        catch (InvalidOperationException ex)
        {
            context.RequestServices.GetRequiredService<ILogger<FunctionInvoker>>().LogError("Function {Function} binding failed: {Error}", _function.Name, ex.Message);
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return;
        }

        var result = await InvokeAsync(context.RequestServices, context.Request, context.RequestAborted);
        var http = result switch
        {
            IActionResult direct => direct,
            null => new NoContentResult(),
            _ => await WriteOutputsAsync(result, blobPaths, context.RequestServices, context.RequestAborted),
        };
        await http.ExecuteResultAsync(new ActionContext(context, context.GetRouteData(), new ActionDescriptor()));
    }

    /// <summary>Invokes a timer-triggered function.</summary>
    public Task InvokeTimerAsync(IServiceProvider services, CancellationToken cancellationToken) =>
        InvokeAsync(services, null, cancellationToken);

    private async Task<object?> InvokeAsync(IServiceProvider services, HttpRequest? request, CancellationToken cancellationToken)
    {
        var instance = ActivatorUtilities.CreateInstance(services, _type);
        var arguments = _method.GetParameters().Select(p => Argument(p, request, cancellationToken)).ToArray();
        var returned = _method.Invoke(instance, arguments);
        if (returned is not Task task)
        {
            return returned;
        }

        await task;
        return task.GetType().IsGenericType ? task.GetType().GetProperty(nameof(Task<object>.Result))!.GetValue(task) : null;
    }

    private object? Argument(ParameterInfo parameter, HttpRequest? request, CancellationToken cancellationToken) => parameter.ParameterType switch
    {
        var t when t == typeof(HttpRequest) => request ?? throw new InvalidOperationException($"Function '{_function.Name}' takes an HttpRequest but was not triggered by HTTP."),
        var t when t == typeof(CancellationToken) => cancellationToken,
        var t when t == typeof(TimerInfo) => new TimerInfo(),
        var t when t == typeof(string) && request?.RouteValues.TryGetValue(parameter.Name!, out var value) == true => value?.ToString(),
        _ => throw new InvalidOperationException($"Function '{_function.Name}': the local host cannot bind parameter '{parameter.Name}' of type {parameter.ParameterType.Name}."),
    };

    private async Task<IActionResult> WriteOutputsAsync(object outputs, Dictionary<string, string> blobPaths, IServiceProvider services, CancellationToken cancellationToken)
    {
        IActionResult? http = null;
        foreach (var property in outputs.GetType().GetProperties())
        {
            if (property.GetCustomAttribute<HttpResultAttribute>() is not null)
            {
                http = property.GetValue(outputs) as IActionResult;
                continue;
            }

            if (!blobPaths.TryGetValue(property.Name, out var path) || property.GetValue(outputs) is not { } value)
            {
                continue;
            }

            var slash = path.IndexOf('/');
            var container = services.GetRequiredService<BlobServiceClient>().GetBlobContainerClient(path[..slash]);
            await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            var content = value switch
            {
                string text => BinaryData.FromString(text),
                byte[] bytes => BinaryData.FromBytes(bytes),
                _ => throw new InvalidOperationException($"Function '{_function.Name}': blob output '{property.Name}' must be a string or byte[]."),
            };
            await container.GetBlobClient(path[(slash + 1)..]).UploadAsync(content, new BlobUploadOptions(), cancellationToken);
        }

        return http ?? throw new InvalidOperationException($"Function '{_function.Name}' returned outputs without an [HttpResult].");
    }
}
