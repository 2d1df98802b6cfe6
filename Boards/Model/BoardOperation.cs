using System.Text.Json.Serialization;

namespace Collab.Boards.Model;

/// <summary>
/// A committed drawing operation, one record per type. Clients send the type as the user event's name and the rest
/// as its JSON data; the log stores and the board broadcasts it with the type as <c>type</c>.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(AddShape), AddShape.Name)]
[JsonDerivedType(typeof(UpdateShape), UpdateShape.Name)]
[JsonDerivedType(typeof(RemoveShape), RemoveShape.Name)]
[JsonDerivedType(typeof(ClearShapes), ClearShapes.Name)]
[JsonDerivedType(typeof(SetBackground), SetBackground.Name)]
[JsonDerivedType(typeof(PostChat), PostChat.Name)]
public abstract record BoardOperation
{
    /// <summary>Every type name, which are also the user event names clients send.</summary>
    public static readonly IReadOnlyList<string> Names = [AddShape.Name, UpdateShape.Name, RemoveShape.Name, ClearShapes.Name, SetBackground.Name, PostChat.Name];
}

/// <summary>Adds a shape on top, or replaces one with the same id in place.</summary>
/// <param name="Shape">The shape.</param>
public sealed record AddShape(Shape Shape) : BoardOperation
{
    /// <summary>The type name.</summary>
    public const string Name = "addShape";
}

/// <summary>Replaces an existing shape; changes nothing when there is none with its id.</summary>
/// <param name="Shape">The new version.</param>
public sealed record UpdateShape(Shape Shape) : BoardOperation
{
    /// <summary>The type name.</summary>
    public const string Name = "updateShape";
}

/// <summary>Removes a shape.</summary>
/// <param name="ShapeId">Its id.</param>
public sealed record RemoveShape(string ShapeId) : BoardOperation
{
    /// <summary>The type name.</summary>
    public const string Name = "removeShape";
}

/// <summary>Removes every shape.</summary>
public sealed record ClearShapes : BoardOperation
{
    /// <summary>The type name.</summary>
    public const string Name = "clear";
}

/// <summary>Sets the background colour or image; a field left null keeps its value, an empty string clears it.</summary>
/// <param name="Color">The colour.</param>
/// <param name="Image">The version of an uploaded image (written by the background upload only).</param>
public sealed record SetBackground(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Color,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Image = null) : BoardOperation
{
    /// <summary>The type name.</summary>
    public const string Name = "setBackground";
}

/// <summary>Posts a chat message.</summary>
/// <param name="Text">The message.</param>
public sealed record PostChat(string Text) : BoardOperation
{
    /// <summary>The type name.</summary>
    public const string Name = "chat";
}
