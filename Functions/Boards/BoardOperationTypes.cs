namespace Collab.Functions.Boards;

/// <summary>The committed operation types, which are also the user event names clients send.</summary>
public static class BoardOperationTypes
{
    /// <summary>Adds a shape on top (or replaces one with the same id in place).</summary>
    public const string AddShape = "addShape";

    /// <summary>Replaces an existing shape.</summary>
    public const string UpdateShape = "updateShape";

    /// <summary>Removes a shape.</summary>
    public const string RemoveShape = "removeShape";

    /// <summary>Removes every shape.</summary>
    public const string Clear = "clear";

    /// <summary>Sets the background colour or image.</summary>
    public const string SetBackground = "setBackground";

    /// <summary>Posts a chat message.</summary>
    public const string Chat = "chat";

    /// <summary>Every type, for validation.</summary>
    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { AddShape, UpdateShape, RemoveShape, Clear, SetBackground, Chat };
}
