using System.ComponentModel;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Collab.Functions.Mcp;

/// <summary>Prompts that start an agent on a board: it reads the board through the tools, with the user's rights.</summary>
[McpServerPromptType]
public sealed class BoardPrompts
{
    /// <summary>"Summarize this board".</summary>
    [McpServerPrompt(Name = "summarize_board", Title = "Summarize this board")]
    [Description("Asks for a short summary of what a board shows and who is working on it.")]
    public static IReadOnlyList<PromptMessage> Summarize([Description("The board id (list_boards shows your boards).")] string boardId) =>
    [
        User($"""
            Summarize the Collab whiteboard "{boardId}".
            1. Call get_board with boardId "{boardId}" to read its title, shapes (kind, bounds, text) and the people present.
            2. If the layout matters, read the drawing with export_svg or the resource {BoardResources.SvgUri(boardId)}.
            3. Answer in a few sentences: what the board is about (from its texts and how shapes are grouped), the main
               areas or steps it shows, anything unfinished, and who is on it now. Change nothing on the board.
            """),
    ];

    /// <summary>"Tidy this board's layout".</summary>
    [McpServerPrompt(Name = "tidy_board_layout", Title = "Tidy this board's layout")]
    [Description("Asks to align and space out a board's shapes without changing what they say.")]
    public static IReadOnlyList<PromptMessage> Tidy([Description("The board id (list_boards shows your boards).")] string boardId) =>
    [
        User($"""
            Tidy the layout of the Collab whiteboard "{boardId}".
            1. Call get_board with boardId "{boardId}". Note each shape's bounds (y grows downwards) and its seq.
            2. Plan moves only: align shapes that belong together on a common edge or centre line, give related groups
               even spacing (about 24 units apart), and remove overlaps between boxes and texts. Keep every shape's kind,
               size, colour and text, and keep the reading order (top to bottom, left to right).
            3. Apply the moves with update_shapes (x and y for rect, ellipse, circle and text; points for lines and
               freehand strokes), at most 40 per call, each call with its own idempotencyKey. People on the board see
               every change at once, so do not remove or redraw shapes.
            4. Call get_ops_since with after = the seq from step 1 to check nobody else moved the same shapes meanwhile,
               then report what you changed.
            """),
    ];

    private static PromptMessage User(string text) => new() { Role = Role.User, Content = new TextContentBlock { Text = text } };
}
