using System.Text.RegularExpressions;

namespace Collab.Boards.Model;

/// <summary>Board ids.</summary>
public static partial class BoardId
{
    /// <summary>Whether <paramref name="boardId"/> is 1–64 letters, digits, <c>_</c> or <c>-</c>; anything else never reaches a group, blob or URL.</summary>
    public static bool IsValid(string? boardId) => boardId is not null && Pattern().IsMatch(boardId);

    /// <summary>What a valid board id is, as a refusal states it.</summary>
    public const string Requirement = "boardId must be 1-64 characters of A-Z, a-z, 0-9, '_' or '-'.";

    // \A and \z, not ^ and $: $ also matches before a final newline, which would let "x\n" through.
    [GeneratedRegex(@"\A[A-Za-z0-9_-]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
