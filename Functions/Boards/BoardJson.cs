using System.Text.Encodings.Web;
using System.Text.Json;

namespace Collab.Functions.Boards;

/// <summary>The one JSON shape of everything a board stores and broadcasts: camelCase, compact, nulls omitted where marked.</summary>
public static class BoardJson
{
    /// <summary>Options for log lines, snapshots, metadata and messages.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
