using System.Text.Json.Serialization;

namespace Collab.Functions.Boards;

/// <summary>A board's background.</summary>
/// <param name="Color">The colour, if set.</param>
/// <param name="Image">The version of the uploaded image (served at <c>/api/boards/{id}/background</c>), if any.</param>
public sealed record BoardBackground(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Color,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Image);
