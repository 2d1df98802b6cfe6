using System.Text;
using System.Text.Json;

namespace Collab.Functions.Hub;

/// <summary>
/// What the app keeps on a connection through <c>ce-connectionState</c> (base64 of JSON, as the service round-trips it
/// opaquely): the board it was admitted to and the user's display name.
/// </summary>
/// <param name="BoardId">The board.</param>
/// <param name="Name">The display name.</param>
public sealed record ConnectionState(string BoardId, string Name)
{
    /// <summary>The header value.</summary>
    public string Encode() => Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(this, Json));

    /// <summary>Reads a header value; null when absent or not ours.</summary>
    public static ConnectionState? Decode(string? header)
    {
        if (string.IsNullOrEmpty(header))
        {
            return null;
        }

        try
        {
            var state = JsonSerializer.Deserialize<ConnectionState>(Convert.FromBase64String(header), Json);
            return state is { BoardId.Length: > 0 } && Collab.Boards.Model.BoardId.IsValid(state.BoardId) ? state with { Name = state.Name ?? "" } : null;
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return null;
        }
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
}
