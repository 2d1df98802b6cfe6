using Collab.Boards.Errors;
using Collab.Boards.Model;
using Collab.Functions.Identity;
using Collab.Functions.WebPubSub;
using Collab.Protocols.WebPubSub;
using Microsoft.Extensions.Options;

namespace Collab.Functions.Tokens;

/// <summary>
/// Client URLs scoped to one board (shared/protocols/web-pubsub.md §3, §7): <c>sub</c> is the caller, the roles
/// are only <c>webpubsub.joinLeaveGroup.board.{id}</c> and <c>webpubsub.sendToGroup.board.{id}</c>, the
/// connection joins that group on connect, and a <c>name</c> claim carries the display name to the <c>connect</c>
/// event. The key never leaves this class.
/// </summary>
public sealed class WebPubSubTokenIssuer
{
    private readonly WebPubSubOptions _options;
    private readonly TimeProvider _time;
    private readonly string _audience;
    private readonly string _clientEndpoint;
    private readonly byte[] _key;

    /// <summary>Creates the issuer from validated options.</summary>
    public WebPubSubTokenIssuer(IOptions<WebPubSubOptions> options, TimeProvider time)
    {
        _options = options.Value;
        _time = time;
        var connection = _options.ParseConnection();
        _audience = connection.ClientAudience(_options.Hub);
        _clientEndpoint = connection.ClientEndpoint(_options.Hub).AbsoluteUri;
        _key = connection.KeyBytes;
    }

    /// <summary>Mints the client URL for <paramref name="user"/> on <paramref name="boardId"/>.</summary>
    /// <exception cref="InvalidRequestException">The board id is malformed (400).</exception>
    public NegotiateResponse Negotiate(SignedInUser user, string boardId)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (!BoardId.IsValid(boardId))
        {
            throw new InvalidRequestException(BoardId.Requirement);
        }

        var group = BoardId.GroupOf(boardId);
        var now = _time.GetUtcNow();
        var expiresOn = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds()).AddMinutes(_options.TokenLifetimeMinutes);
        var token = ClientAccessToken.Create(
            _audience,
            user.UserId,
            ["webpubsub.joinLeaveGroup." + group, "webpubsub.sendToGroup." + group],
            [group],
            now,
            expiresOn,
            _key,
            [new("name", user.Name)]);
        return new NegotiateResponse(new Uri(_clientEndpoint + "?access_token=" + token), boardId, user.UserId, expiresOn);
    }
}
