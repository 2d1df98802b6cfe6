namespace Collab.Functions.Boards;

/// <summary>The body of <c>PUT /api/boards/{boardId}</c>.</summary>
public sealed class BoardRequest
{
    /// <summary>1–200 characters.</summary>
    public string? Title { get; set; }

    /// <summary><c>public</c> (any signed-in user, the default) or <c>private</c> (owner and members).</summary>
    public string? Visibility { get; set; }

    /// <summary>User ids a private board admits besides the owner; at most 100.</summary>
    public string[]? Members { get; set; }
}
