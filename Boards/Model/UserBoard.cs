namespace Collab.Boards.Model;

/// <summary>One board in a user's board list (<c>users/{hash}/boards.json</c>): what the list shows without reading the board.</summary>
/// <param name="BoardId">The board.</param>
/// <param name="Title">Its title.</param>
/// <param name="Role">The user's role on it: <see cref="BoardRoles.Owner"/>, <see cref="BoardRoles.Editor"/> or <see cref="BoardRoles.Viewer"/>.</param>
/// <param name="Visibility"><see cref="BoardVisibility.Public"/> or <see cref="BoardVisibility.Private"/>.</param>
/// <param name="CreatedOn">When the board was created: the list is newest first.</param>
public sealed record UserBoard(string BoardId, string Title, string Role, string Visibility, DateTimeOffset CreatedOn)
{
    /// <summary>
    /// The entry <paramref name="board"/> gives <paramref name="userId"/>: one for its owner and each explicit member,
    /// none (null) for anyone else, even on a public board, which lists only the people it names.
    /// </summary>
    public static UserBoard? For(BoardMetadata? board, string userId) =>
        board is null ? null
        : userId == board.OwnerId ? new UserBoard(board.BoardId, board.Title, BoardRoles.Owner, board.Visibility, board.CreatedOn)
        : board.Members.FirstOrDefault(m => m.UserId == userId) is { } member ? new UserBoard(board.BoardId, board.Title, member.Role, board.Visibility, board.CreatedOn)
        : null;

    /// <summary>The users whose lists name <paramref name="board"/>: its owner and explicit members.</summary>
    public static IEnumerable<string> ListedUsersOf(BoardMetadata? board) =>
        board is null ? [] : board.Members.Select(m => m.UserId).Prepend(board.OwnerId);
}
