using Collab.Boards.Model;

namespace Collab.Functions.Boards;

/// <summary>The body of <c>PUT /api/boards/{boardId}</c>.</summary>
public sealed class BoardRequest
{
    /// <summary>1–200 characters.</summary>
    public string? Title { get; set; }

    /// <summary><c>public</c> (any signed-in user, the default) or <c>private</c> (owner and members).</summary>
    public string? Visibility { get; set; }

    /// <summary>
    /// Users the board admits besides the owner, at most 100: <c>{"userId", "role"}</c> with role <c>editor</c> or
    /// <c>viewer</c> (a plain user id is an editor).
    /// </summary>
    public BoardMember[]? Members { get; set; }
}

/// <summary>The body of <c>PUT /api/boards/{boardId}/fluid</c>.</summary>
public sealed class FluidContainerRequest
{
    /// <summary>The container the Fluid service created for the board.</summary>
    public string? ContainerId { get; set; }
}
