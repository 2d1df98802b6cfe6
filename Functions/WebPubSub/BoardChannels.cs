using Collab.Boards.Model;

namespace Collab.Functions.WebPubSub;

/// <summary>
/// The Web PubSub groups of a board and what a connection may do in them. The server group carries what the server
/// says (committed operations, presence, board changes) and no client may send to it; the preview group carries live
/// previews, which owners and editors may send and everyone on the board receives. Connections join both at
/// connect, so they need no permission to join or leave groups.
/// </summary>
public static class BoardChannels
{
    /// <summary>The server group: <c>board.{boardId}</c>.</summary>
    public static string ServerGroup(string boardId) => "board." + boardId;

    /// <summary>The preview group: <c>preview.{boardId}</c>.</summary>
    public static string PreviewGroup(string boardId) => "preview." + boardId;

    /// <summary>The groups a connection to <paramref name="boardId"/> joins.</summary>
    public static IReadOnlyList<string> Groups(string boardId) => [ServerGroup(boardId), PreviewGroup(boardId)];

    /// <summary>The Web PubSub roles of a connection with <paramref name="role"/> on <paramref name="boardId"/>: sending previews, for those who may edit.</summary>
    public static IReadOnlyList<string> Permissions(string boardId, string role) =>
        BoardRoles.CanEdit(role) ? ["webpubsub.sendToGroup." + PreviewGroup(boardId)] : [];

    /// <summary>The board a group belongs to, or null when it is not one of a board's groups.</summary>
    public static string? BoardOf(string group)
    {
        ArgumentNullException.ThrowIfNull(group);
        var boardId = group.StartsWith("board.", StringComparison.Ordinal) ? group["board.".Length..]
            : group.StartsWith("preview.", StringComparison.Ordinal) ? group["preview.".Length..]
            : null;
        return BoardId.IsValid(boardId) ? boardId : null;
    }
}
