using System.Text.Json.Serialization;

namespace Collab.LocalHost.Metadata;

/// <summary>One binding of a function, as <c>functions.metadata</c> declares it.</summary>
public sealed class DeclaredBinding
{
    /// <summary>The parameter or property name.</summary>
    public string Name { get; init; } = "";

    /// <summary><c>httpTrigger</c>, <c>http</c>, <c>blob</c>, <c>timerTrigger</c>, ...</summary>
    public string Type { get; init; } = "";

    /// <summary><c>In</c> or <c>Out</c>.</summary>
    public string Direction { get; init; } = "";

    /// <summary>The route template of an HTTP trigger (without the <c>api/</c> prefix).</summary>
    public string? Route { get; init; }

    /// <summary>The methods of an HTTP trigger.</summary>
    public IReadOnlyList<string>? Methods { get; init; }

    /// <summary>The authorization level of an HTTP trigger.</summary>
    public string? AuthLevel { get; init; }

    /// <summary>The <c>container/blob</c> path of a blob binding, with binding expressions.</summary>
    public string? BlobPath { get; init; }

    /// <summary>The NCRONTAB schedule of a timer trigger, possibly a <c>%setting%</c>.</summary>
    public string? Schedule { get; init; }

    /// <summary>The storage connection setting of a blob binding; <c>AzureWebJobsStorage</c> when absent.</summary>
    public string? Connection { get; init; }

    /// <summary>True for the trigger binding.</summary>
    [JsonIgnore]
    public bool IsTrigger => Type.EndsWith("Trigger", StringComparison.Ordinal);
}
