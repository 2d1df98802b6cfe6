using System.ComponentModel;
using System.Security.Claims;
using Collab.Boards.Errors;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Collab.Functions.Mcp;

/// <summary>The board's SVG as an MCP resource, one per board through a resource template.</summary>
[McpServerResourceType]
public sealed class BoardResources
{
    /// <summary>The template of the SVG resources.</summary>
    public const string SvgTemplate = "collab://boards/{boardId}/board.svg";

    /// <summary>Their media type.</summary>
    public const string SvgMimeType = "image/svg+xml";

    /// <summary>The SVG resource of <paramref name="boardId"/>.</summary>
    public static string SvgUri(string boardId) => SvgTemplate.Replace("{boardId}", boardId, StringComparison.Ordinal);

    /// <summary>Reads the board's SVG, with the access rule of every board endpoint; a board the caller may not open reads as one that does not exist.</summary>
    [McpServerResource(UriTemplate = SvgTemplate, Name = "board_svg", Title = "Board drawing (SVG)", MimeType = SvgMimeType)]
    [Description("The board as it is now, as an SVG document (the web app's export).")]
    public static async Task<TextResourceContents> ReadSvg(
        McpBoards boards,
        ClaimsPrincipal user,
        [Description("The board id.")] string boardId,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(boards);
        var caller = McpCaller.UserOf(user) ?? throw new McpException("The request carries no signed-in user.");
        try
        {
            return new TextResourceContents { Uri = SvgUri(boardId), MimeType = SvgMimeType, Text = await boards.ExportSvgAsync(caller, boardId, cancellationToken) };
        }
        catch (CollabException ex)
        {
            // Resource reads have no error result of their own: the reason travels as the JSON-RPC error's message.
            throw new McpException($"{ex.Code}: {ex.Message}", ex);
        }
    }
}
