namespace Collab.Functions.Boards;

/// <summary>Who may open a board.</summary>
public static class BoardVisibility
{
    /// <summary>Any signed-in user.</summary>
    public const string Public = "public";

    /// <summary>Only the owner and the members.</summary>
    public const string Private = "private";
}
