namespace Collab.Boards.Model;

/// <summary>A board's metadata (<c>boards/{id}/meta.json</c>).</summary>
/// <param name="BoardId">The board.</param>
/// <param name="Title">Its title.</param>
/// <param name="Visibility"><see cref="BoardVisibility.Public"/> or <see cref="BoardVisibility.Private"/>.</param>
/// <param name="OwnerId">The user who created it.</param>
/// <param name="Members">Users a private board admits besides the owner.</param>
/// <param name="CallId">The ACS group call every participant of the board joins.</param>
/// <param name="CreatedOn">When it was created.</param>
public sealed record BoardMetadata(string BoardId, string Title, string Visibility, string OwnerId, IReadOnlyList<string> Members, Guid CallId, DateTimeOffset CreatedOn)
{
    /// <summary>The access rule every board endpoint and <c>connect</c> apply.</summary>
    public bool Admits(string userId) =>
        Visibility == BoardVisibility.Public || userId == OwnerId || Members.Contains(userId, StringComparer.Ordinal);
}

/// <summary>Who may open a board.</summary>
public static class BoardVisibility
{
    /// <summary>Any signed-in user.</summary>
    public const string Public = "public";

    /// <summary>Only the owner and the members.</summary>
    public const string Private = "private";
}
