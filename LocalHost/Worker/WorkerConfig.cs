using System.Text.Json;

namespace Collab.LocalHost.Worker;

/// <summary>The <c>worker.config.json</c> the Worker SDK writes beside the app: the host reads it to know what to start.</summary>
public static class WorkerConfig
{
    /// <summary>The worker assembly (<c>description.defaultWorkerPath</c>), relative to <paramref name="directory"/>.</summary>
    /// <exception cref="WorkerStartException">The file is missing or names no worker.</exception>
    public static string ReadWorkerPath(string directory)
    {
        var path = Path.Combine(directory, "worker.config.json");
        if (!File.Exists(path))
        {
            throw new WorkerStartException($"{path} does not exist: build the Function App first (dotnet build Functions -c Release).");
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            return document.RootElement.GetProperty("description").GetProperty("defaultWorkerPath").GetString() is { Length: > 0 } worker
                ? worker
                : throw new WorkerStartException($"{path} names no worker (description.defaultWorkerPath).");
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new WorkerStartException($"{path} is not a worker configuration: {ex.Message}");
        }
    }
}
