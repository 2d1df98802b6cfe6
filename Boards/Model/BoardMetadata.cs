using System.Text.Json;
using System.Text.Json.Serialization;

namespace Collab.Boards.Model;

/// <summary>A board's metadata (<c>boards/{id}/meta.json</c>).</summary>
/// <param name="BoardId">The board.</param>
/// <param name="Title">Its title.</param>
/// <param name="Visibility"><see cref="BoardVisibility.Public"/> or <see cref="BoardVisibility.Private"/>.</param>
/// <param name="OwnerId">The user who created it.</param>
/// <param name="Members">Users the board admits besides the owner, each with a role; on a public board a member's role overrides the default.</param>
/// <param name="CreatedOn">When it was created.</param>
/// <remarks>
/// Boards written before issue 16 also carry a <c>callId</c> (an ACS group-call GUID that anyone who learnt it could
/// join); it is ignored when read and no longer written: the board's call is its ACS room (<see cref="RoomId"/>).
/// </remarks>
public sealed record BoardMetadata(string BoardId, string Title, string Visibility, string OwnerId, IReadOnlyList<BoardMember> Members, DateTimeOffset CreatedOn)
{
    /// <summary>The board's ACS chat thread, once someone opened the board's chat.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ChatThreadId { get; init; }

    /// <summary>The board's ACS room (its call), once someone joined the call.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? RoomId { get; init; }

    /// <summary>When <see cref="RoomId"/>'s validity window ends; renewed before it does.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? RoomValidUntil { get; init; }

    /// <summary>The Fluid container recorded on the board, if one was created.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? FluidContainerId { get; init; }

    /// <summary>
    /// The role the board gives <paramref name="userId"/>: the owner's, a member's own, <see cref="BoardRoles.Editor"/>
    /// for anyone else on a public board, and none (null) for anyone else on a private one.
    /// </summary>
    public string? RoleOf(string userId) =>
        userId == OwnerId ? BoardRoles.Owner
        : Members.FirstOrDefault(m => m.UserId == userId)?.Role
        ?? (Visibility == BoardVisibility.Public ? BoardRoles.Editor : null);

    /// <summary>The access rule every board endpoint, negotiate and <c>connect</c> apply: any role at all.</summary>
    public bool Admits(string userId) => RoleOf(userId) is not null;
}

/// <summary>A user a board admits, and how.</summary>
/// <param name="UserId">The user.</param>
/// <param name="Role"><see cref="BoardRoles.Editor"/> or <see cref="BoardRoles.Viewer"/>.</param>
[JsonConverter(typeof(BoardMemberJsonConverter))]
public sealed record BoardMember(string UserId, string Role);

/// <summary>What a board lets a user do.</summary>
public static class BoardRoles
{
    /// <summary>Created the board: edits it, changes its members, deletes it.</summary>
    public const string Owner = "owner";

    /// <summary>Draws, chats and sends previews.</summary>
    public const string Editor = "editor";

    /// <summary>Joins and reads; sends nothing.</summary>
    public const string Viewer = "viewer";

    /// <summary>Whether <paramref name="role"/> may change the board's content.</summary>
    public static bool CanEdit(string? role) => role is Owner or Editor;
}

/// <summary>Who may open a board.</summary>
public static class BoardVisibility
{
    /// <summary>Any signed-in user.</summary>
    public const string Public = "public";

    /// <summary>Only the owner and the members.</summary>
    public const string Private = "private";
}

/// <summary>
/// Writes a member as <c>{"userId","role"}</c>, and reads that or a plain user id string, which is how members were
/// written before roles existed (an editor).
/// </summary>
public sealed class BoardMemberJsonConverter : JsonConverter<BoardMember>
{
    /// <inheritdoc />
    public override BoardMember Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return new BoardMember(reader.GetString()!, BoardRoles.Editor);
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("A member is a user id or an object with userId and role.");
        }

        string? userId = null;
        string? role = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "userId" when reader.TokenType == JsonTokenType.String:
                    userId = reader.GetString();
                    break;
                case "role" when reader.TokenType == JsonTokenType.String:
                    role = reader.GetString();
                    break;
                default:
                    throw new JsonException($"A member has only a string userId and a string role; '{name}' is not one of them.");
            }
        }

        return new BoardMember(userId ?? throw new JsonException("A member needs a userId."), role ?? BoardRoles.Editor);
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, BoardMember value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStartObject();
        writer.WriteString("userId", value.UserId);
        writer.WriteString("role", value.Role);
        writer.WriteEndObject();
    }
}
