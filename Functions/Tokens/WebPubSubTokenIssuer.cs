using Collab.Boards.Errors;
using Collab.Boards.Model;
using Collab.Functions.Hub;
using Collab.Functions.Identity;
using Collab.Functions.WebPubSub;
using Collab.Protocols.WebPubSub;
using Microsoft.Extensions.Options;

namespace Collab.Functions.Tokens;

/// <summary>
/// Client URLs scoped to one board the caller may open (shared/protocols/web-pubsub.md §3, §7): <c>sub</c> is the
/// caller, the connection joins the board's server and preview groups on connect, its only Web PubSub role is
/// sending previews (owners and editors; viewers get none), and a <c>name</c> claim carries the display name to the
/// <c>connect</c> event. Nothing is minted for a board that does not exist or that the caller may not open. The key
/// never leaves this class.
/// </summary>
public sealed class WebPubSubTokenIssuer
{
    private readonly WebPubSubOptions _options;
    private readonly BoardMetadataCache _boards;
    private readonly TimeProvider _time;
    private readonly string _audience;
    private readonly string _clientEndpoint;
    private readonly byte[] _key;

    /// <summary>Creates the issuer from validated options.</summary>
    public WebPubSubTokenIssuer(IOptions<WebPubSubOptions> options, BoardMetadataCache boards, TimeProvider time)
    {
        _boards = boards;
        _options = options.Value;
        _time = time;
        var connection = _options.ParseConnection();
        _audience = connection.ClientAudience(_options.Hub);
        _clientEndpoint = connection.ClientEndpoint(_options.Hub).AbsoluteUri;
        _key = connection.KeyBytes;
    }

    /// <summary>Mints the client URL for <paramref name="user"/> on <paramref name="boardId"/>, with the rights of the user's role there.</summary>
    /// <exception cref="InvalidRequestException">The board id is malformed (400).</exception>
    /// <exception cref="NotFoundException">The board does not exist (404).</exception>
    /// <exception cref="ForbiddenException">The board does not admit the caller (403).</exception>
    public async Task<NegotiateResponse> NegotiateAsync(SignedInUser user, string boardId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (!BoardId.IsValid(boardId))
        {
            throw new InvalidRequestException(BoardId.Requirement);
        }

        // The cached metadata (at most a second old, or this instance's own latest change) is enough here: the token
        // admits nothing by itself, because connect checks the board's stored metadata again.
        var board = await _boards.GetAsync(boardId, cancellationToken)
            ?? throw new NotFoundException("board-not-found", "The board does not exist.");
        return Issue(user, boardId, board.RoleOf(user.UserId) ?? throw new ForbiddenException("This private board admits only its owner and members."));
    }

    /// <summary>Mints the client URL for <paramref name="user"/>, whom the board admits as <paramref name="role"/>.</summary>
    public NegotiateResponse Issue(SignedInUser user, string boardId, string role)
    {
        ArgumentNullException.ThrowIfNull(user);
        var now = _time.GetUtcNow();
        var expiresOn = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds()).AddMinutes(_options.TokenLifetimeMinutes);
        var token = ClientAccessToken.Create(
            _audience,
            user.UserId,
            BoardChannels.Permissions(boardId, role),
            BoardChannels.Groups(boardId),
            now,
            expiresOn,
            _key,
            [new("name", user.Name)]);
        return new NegotiateResponse(new Uri(_clientEndpoint + "?access_token=" + token), boardId, user.UserId, role, expiresOn);
    }
}
