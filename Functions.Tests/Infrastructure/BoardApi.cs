using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Collab.Testing;

namespace Collab.Functions.Tests.Infrastructure;

/// <summary>
/// The board HTTP API as a client sees it, for arranging and inspecting boards through the host and the worker
/// rather than through the app's classes, which tests should not depend on.
/// </summary>
internal static class BoardApi
{
    /// <summary>A board id no test has used.</summary>
    public static string NewBoardId() => "b" + Guid.NewGuid().ToString("N")[..16];

    /// <summary>A display name no test has used, so tests sharing a stack do not share a user (or a rate limit).</summary>
    public static string NewUser(string name) => name + "-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Creates a new board owned by the caller of <paramref name="owner"/> (201) and returns its id.</summary>
    public static async Task<string> CreateAsync(HttpClient owner, string visibility = "public", params string[] members)
    {
        var boardId = NewBoardId();
        using var response = await owner.PutAsJsonAsync($"api/boards/{boardId}", new { title = "Board " + boardId, visibility, members });
        await JsonAsync(response, HttpStatusCode.Created);
        return boardId;
    }

    /// <summary><c>GET /api/boards/{id}{query}</c>, which must be 200: <c>{board, state}</c>.</summary>
    public static async Task<JsonElement> GetAsync(HttpClient reader, string boardId, string query = "")
    {
        using var response = await reader.GetAsync($"api/boards/{boardId}{query}");
        return await JsonAsync(response, HttpStatusCode.OK);
    }

    /// <summary>The ids of the shapes in a board state, bottom to top.</summary>
    public static IEnumerable<string?> ShapeIds(JsonElement board) =>
        board.GetProperty("state").GetProperty("shapes").EnumerateArray().Select(s => s.GetProperty("id").GetString());

    /// <summary>Every logged operation of a board, read page by page through <c>ops?after=</c> as a reconnecting client does.</summary>
    public static async Task<IReadOnlyList<JsonElement>> AllOpsAsync(HttpClient reader, string boardId)
    {
        var all = new List<JsonElement>();
        while (true)
        {
            var after = all.Count == 0 ? 0 : all[^1].GetProperty("seq").GetInt64();
            using var response = await reader.GetAsync($"api/boards/{boardId}/ops?after={after}");
            var page = await JsonAsync(response, HttpStatusCode.OK);
            var ops = page.GetProperty("ops").EnumerateArray().ToList();
            if (ops.Count == 0)
            {
                return all;
            }

            all.AddRange(ops);
        }
    }

    /// <summary>The JSON body of a response that must have <paramref name="status"/>; the body is in the failure message.</summary>
    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        using var document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }

    /// <summary>An RFC 7807 problem with <paramref name="status"/>, as every refusal of the API is.</summary>
    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var problem = await JsonAsync(response, status);
        Assert.StartsWith("application/problem+json", response.Content.Headers.ContentType?.ToString());
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.StartsWith("urn:collab:problem:", problem.GetProperty("type").GetString());
        return problem;
    }

    /// <summary>
    /// Runs a timer function now through <c>POST /admin/functions/{name}</c>, as Core Tools does, and waits for the
    /// host to log the end of that run: the admin call only queues it (202).
    /// </summary>
    public static async Task RunTimerAsync(LocalStack stack, LogCapture logs, string function)
    {
        // The host's timer runner logs one line at the end of every run (ran, failed, skipped, timed out); that line
        // is the only sign of it. Scheduled runs of the same timer say "(on schedule)".
        bool IsEndOfOnDemandRun(string entry) =>
            entry.Contains("Hosting.TimerTriggerService: ", StringComparison.Ordinal) && entry.Contains(function, StringComparison.Ordinal)
            && !entry.Contains("(on schedule)", StringComparison.Ordinal);
        var before = logs.Entries.Count(IsEndOfOnDemandRun);
        using var http = stack.Anonymous();
        using var response = await http.PostAsJsonAsync($"admin/functions/{function}", new { input = "" });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        // A run walks every board in storage, which on a busy machine with a long-lived Azurite takes a while.
        await Eventually.UntilAsync(() => logs.Entries.Count(IsEndOfOnDemandRun) > before, TimeSpan.FromMinutes(2));
        var ended = logs.Entries.Where(IsEndOfOnDemandRun).Skip(before).ToList();
        Assert.True(ended.Count == 1 && ended[0].Contains($"Function {function} ran (on demand)", StringComparison.Ordinal), $"The run of {function} did not end well: {string.Join(" / ", ended)}");
    }

    /// <summary>Negotiates for <paramref name="boardId"/> as <paramref name="user"/> and connects a board client, which has seen its <c>connected</c> event.</summary>
    public static async Task<WebSocketTestClient> ConnectAsync(HttpClient user, string boardId)
    {
        using var negotiate = await user.PostAsync($"api/boards/{boardId}/negotiate", null);
        var url = (await JsonAsync(negotiate, HttpStatusCode.OK)).GetProperty("url").GetString()!;
        var client = await WebSocketTestClient.ConnectAsync(new Uri(url));
        Assert.Equal("connected", (await client.ReceiveAsync("system")).GetProperty("event").GetString());
        return client;
    }
}
