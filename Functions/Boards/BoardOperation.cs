using System.Text.Json.Serialization;

namespace Collab.Functions.Boards;

/// <summary>
/// A committed drawing operation, as clients send it (the user event's name is <see cref="Type"/>, its JSON data
/// the rest) and as the log stores and the board broadcasts it. Only the fields of its type are set.
/// </summary>
public sealed record BoardOperation
{
    /// <summary><c>addShape</c>, <c>updateShape</c>, <c>removeShape</c>, <c>clear</c>, <c>setBackground</c> or <c>chat</c>.</summary>
    public required string Type { get; init; }

    /// <summary>The shape added, or the new version of an updated shape.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Shape? Shape { get; init; }

    /// <summary>The shape removed.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ShapeId { get; init; }

    /// <summary>The background colour (<c>setBackground</c>); an empty string clears it.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Color { get; init; }

    /// <summary>The background image version (<c>setBackground</c> written by the background upload); an empty string removes it.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Image { get; init; }

    /// <summary>A chat message.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Text { get; init; }
}
