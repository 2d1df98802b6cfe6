using System.Text.RegularExpressions;

namespace Collab.Emulators.AcsChat;

/// <summary>
/// The service sanitises <c>html</c> messages (shared/protocols/acs-chat-rooms.md §3, CHAT-DOC); the emulator removes
/// what would run script in a reader's browser: script/style elements, event handler attributes and <c>javascript:</c> URLs.
/// </summary>
internal static partial class ChatHtml
{
    public static string Sanitize(string html)
    {
        var clean = ScriptOrStyle().Replace(html, "");
        clean = EventHandlerAttribute().Replace(clean, "");
        return JavaScriptUrl().Replace(clean, "$1\"#\"");
    }

    [GeneratedRegex(@"<\s*(script|style)\b[^>]*>.*?<\s*/\s*\1\s*>|<\s*(script|style)\b[^>]*/?>", RegexOptions.IgnoreCase | RegexOptions.Singleline, 1000)]
    private static partial Regex ScriptOrStyle();

    [GeneratedRegex(@"\s+on[a-z]+\s*=\s*(""[^""]*""|'[^']*'|[^\s>]+)", RegexOptions.IgnoreCase, 1000)]
    private static partial Regex EventHandlerAttribute();

    [GeneratedRegex(@"(\b(?:href|src)\s*=\s*)(""\s*javascript:[^""]*""|'\s*javascript:[^']*'|javascript:[^\s>]+)", RegexOptions.IgnoreCase, 1000)]
    private static partial Regex JavaScriptUrl();
}
