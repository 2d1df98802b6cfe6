using System.Net.Http.Headers;
using System.Text.Json;
using Collab.Functions.Configuration;
using Collab.Protocols.WebPubSub;
using Microsoft.Extensions.Options;

namespace Collab.Functions.WebPubSub;

/// <summary>
/// The data-plane operations the app needs (shared/protocols/web-pubsub.md §5): send to a group, list a group's
/// connections and close them, api-version 2024-12-01, each request carrying its own short-lived bearer token.
/// </summary>
public sealed class WebPubSubRestClient
{
    private const string ApiVersion = "2024-12-01";
    private static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(5);

    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly Uri _hubBase;
    private readonly byte[] _key;

    /// <summary>Creates the client for the configured hub.</summary>
    public WebPubSubRestClient(HttpClient http, IOptions<WebPubSubOptions> options, TimeProvider time)
    {
        _http = http;
        _time = time;
        var connection = options.Value.ParseConnection();
        _hubBase = new Uri(connection.Endpoint, $"api/hubs/{Uri.EscapeDataString(options.Value.Hub)}/");
        _key = connection.KeyBytes;
    }

    /// <summary>Sends a JSON message to every connection in <paramref name="group"/>.</summary>
    /// <exception cref="HttpRequestException">The service did not answer 202.</exception>
    public Task SendToGroupAsync(string group, ReadOnlyMemory<byte> json, CancellationToken cancellationToken)
    {
        var request = Request(HttpMethod.Post, $"groups/{Uri.EscapeDataString(group)}/:send?api-version={ApiVersion}");
        request.Content = new ReadOnlyMemoryContent(json);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return SendAsync(request, "send-to-group", status => status == 202, cancellationToken);
    }

    /// <summary>Closes every connection in <paramref name="group"/>, telling each client <paramref name="reason"/>.</summary>
    /// <exception cref="HttpRequestException">The service did not answer 204.</exception>
    public Task CloseGroupConnectionsAsync(string group, string reason, CancellationToken cancellationToken) => SendAsync(
        Request(HttpMethod.Post, $"groups/{Uri.EscapeDataString(group)}/:closeConnections?api-version={ApiVersion}&reason={Uri.EscapeDataString(reason)}"),
        "close-group-connections",
        status => status == 204,
        cancellationToken);

    /// <summary>Every connection in <paramref name="group"/>, following <c>nextLink</c> pages.</summary>
    public async Task<IReadOnlyList<GroupConnection>> ListGroupConnectionsAsync(string group, CancellationToken cancellationToken)
    {
        var connections = new List<GroupConnection>();
        var next = new Uri(_hubBase, $"groups/{Uri.EscapeDataString(group)}/connections?api-version={ApiVersion}&maxpagesize=200");
        for (var page = 0; next is not null && page < 1000; page++)
        {
            using var request = Request(HttpMethod.Get, next);
            using var response = await _http.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpRequestException($"Web PubSub answered {(int)response.StatusCode} to list-connections.", null, response.StatusCode);
            }

            using var json = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
            foreach (var item in json.RootElement.GetProperty("value").EnumerateArray())
            {
                connections.Add(new GroupConnection(
                    item.GetProperty("connectionId").GetString()!,
                    item.TryGetProperty("userId", out var user) && user.ValueKind == JsonValueKind.String ? user.GetString() : null));
            }

            next = json.RootElement.TryGetProperty("nextLink", out var link) && link.ValueKind == JsonValueKind.String && link.GetString() is { Length: > 0 } nextLink
                ? new Uri(_hubBase, nextLink)
                : null;
        }

        return connections;
    }

    /// <summary>Removes a connection from every group it is in (shared/protocols/web-pubsub.md, REST); nothing to do is success.</summary>
    public Task RemoveConnectionFromAllGroupsAsync(string connectionId, CancellationToken cancellationToken) => SendAsync(
        Request(HttpMethod.Delete, $"connections/{Uri.EscapeDataString(connectionId)}/groups?api-version={ApiVersion}"),
        "remove-from-groups",
        SucceededOrGone,
        cancellationToken);

    /// <summary>Closes a connection, telling the client <paramref name="reason"/>; an unknown connection is success.</summary>
    public Task CloseConnectionAsync(string connectionId, string reason, CancellationToken cancellationToken) => SendAsync(
        Request(HttpMethod.Delete, $"connections/{Uri.EscapeDataString(connectionId)}?api-version={ApiVersion}&reason={Uri.EscapeDataString(reason)}"),
        "close-connection",
        SucceededOrGone,
        cancellationToken);

    // A connection that is already gone needs no removing or closing.
    private static bool SucceededOrGone(int status) => status is (>= 200 and < 300) or 404;

    /// <summary>Sends <paramref name="request"/> (and disposes it); a status that <paramref name="accepted"/> refuses fails it with <see cref="HttpRequestException"/>.</summary>
    private async Task SendAsync(HttpRequestMessage request, string operation, Func<int, bool> accepted, CancellationToken cancellationToken)
    {
        using (request)
        {
            using var response = await _http.SendAsync(request, cancellationToken);
            if (!accepted((int)response.StatusCode))
            {
                throw new HttpRequestException($"Web PubSub answered {(int)response.StatusCode} to {operation}.", null, response.StatusCode);
            }
        }
    }

    private HttpRequestMessage Request(HttpMethod method, string relative) => Request(method, new Uri(_hubBase, relative));

    private HttpRequestMessage Request(HttpMethod method, Uri uri)
    {
        var request = new HttpRequestMessage(method, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", RestAccessToken.Create(uri, _time.GetUtcNow(), TokenLifetime, _key));
        return request;
    }
}
