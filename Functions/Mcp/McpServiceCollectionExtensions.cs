using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Collab.Functions.Mcp;

/// <summary>Registers the MCP server behind <c>/api/mcp</c>.</summary>
public static class McpServiceCollectionExtensions
{
    /// <summary>The server, stateless on the Streamable HTTP transport, with the board tools, the SVG resource and the prompts.</summary>
    public static IServiceCollection AddCollabMcp(this IServiceCollection services)
    {
        services.AddSingleton<McpBoards>();
        services.AddSingleton<McpSessionIds>();
        services.AddSingleton<McpEndpoint>();
        services.AddSingleton<McpServerTool, ListBoardsTool>();
        services.AddSingleton<McpServerTool, GetBoardTool>();
        services.AddSingleton<McpServerTool, AddShapesTool>();
        services.AddSingleton<McpServerTool, UpdateShapesTool>();
        services.AddSingleton<McpServerTool, RemoveShapesTool>();
        services.AddSingleton<McpServerTool, ExportSvgTool>();
        services.AddSingleton<McpServerTool, GetOpsSinceTool>();
        services.AddMcpServer(options =>
            {
                options.ServerInfo = new Implementation { Name = "collab", Title = "Collab whiteboards", Version = typeof(McpServiceCollectionExtensions).Assembly.GetName().Version?.ToString(3) ?? "0.0.0" };
                options.ServerInstructions =
                    "Collab whiteboards, with the rights of the user who connected you: list_boards, then get_board to read a board " +
                    "and add_shapes / update_shapes / remove_shapes to draw (owners and editors only; viewers read). Everyone on the " +
                    "board sees your changes live, labelled as the user's assistant. Give every write its own idempotencyKey and " +
                    "repeat a failed call with the same key. Follow others' changes with get_ops_since.";
            })
            .WithHttpTransport(options =>
            {
                options.SessionMode = HttpServerSessionMode.Stateless;
                options.ConfigureSessionOptions = McpEndpoint.ConfigureSessionAsync;
            })
            .WithResources<BoardResources>()
            .WithPrompts<BoardPrompts>();
        return services;
    }
}
