using System.Text.Encodings.Web;
using System.Text.Json;

namespace Collab.Boards.Model;

/// <summary>The one JSON shape of everything a board stores and broadcasts: camelCase, compact, nulls omitted where marked.</summary>
public static class BoardJson
{
    /// <summary>Options for log lines, snapshots, metadata and messages.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,

        // A discriminator (type, kind) written by another JSON writer need not come first.
        AllowOutOfOrderMetadataProperties = true,
    };
}
