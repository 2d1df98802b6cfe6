using System.Net;
using System.Text;
using System.Text.Json;
using Collab.Protocols.Acs;
using Collab.Testing;

namespace Collab.Emulators.Tests;

/// <summary>
/// What the Rooms SDK cannot send or see (shared/protocols/acs-chat-rooms.md §8): idempotent create by
/// <c>Repeatability-Request-ID</c>, unknown roles and malformed identifiers (the SDK checks both client-side), the
/// emulator's bounds, and the state tests inspect through <c>EmulatorHost.AcsRooms</c>.
/// </summary>
public sealed class AcsRoomsEmulatorTests(EmulatorHost emulators) : IClassFixture<EmulatorHost>
{
    private const string Alice = "8:acs:2dee53b4-368b-45b4-ab52-8493fb117652_alice";
    private const string Bob = "8:acs:2dee53b4-368b-45b4-ab52-8493fb117652_bob";
    private readonly HttpClient _http = new();

    [Fact]
    public async Task CreateWithTheSameRepeatabilityRequestId_CreatesOneRoom()
    {
        var requestId = Guid.NewGuid().ToString();
        var before = emulators.AcsRooms.Count;

        using var first = await SendAsync(HttpMethod.Post, "/rooms", "{\"participants\":{}}", requestId);
        using var replay = await SendAsync(HttpMethod.Post, "/rooms", "{\"participants\":{}}", requestId);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, replay.StatusCode);
        var id = JsonDocument.Parse(await first.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        Assert.Matches("^[0-9]{17,18}$", id);
        Assert.Equal(id, first.Headers.Location?.OriginalString);
        Assert.Equal("accepted", Assert.Single(first.Headers.GetValues("Repeatability-Result")));
        Assert.Equal(await first.Content.ReadAsStringAsync(), await replay.Content.ReadAsStringAsync());
        Assert.Equal(before + 1, emulators.AcsRooms.Count);
    }

    [Fact]
    public async Task ParticipantsPatch_Answers200EmptyObject_AndTheStoreShowsRoles()
    {
        var id = await CreateRoomAsync($"{{\"participants\":{{\"{Alice}\":{{\"role\":\"Presenter\"}}}}}}");

        using var patch = await SendAsync(HttpMethod.Patch, $"/rooms/{id}/participants", $"{{\"participants\":{{\"{Bob}\":{{\"role\":\"Consumer\"}},\"{Alice}\":{{\"role\":\"Attendee\"}}}}}}");
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        Assert.Equal("{}", await patch.Content.ReadAsStringAsync());
        Assert.Equal(new Dictionary<string, string> { [Alice] = "Attendee", [Bob] = "Consumer" }, emulators.AcsRooms.Participants(id));

        using var remove = await SendAsync(HttpMethod.Patch, $"/rooms/{id}/participants", $"{{\"participants\":{{\"{Alice}\":null}}}}");
        Assert.Equal(HttpStatusCode.OK, remove.StatusCode);
        Assert.Equal(new Dictionary<string, string> { [Bob] = "Consumer" }, emulators.AcsRooms.Participants(id));
    }

    [Fact]
    public async Task UnknownRole_Is400BadArgument_AndChangesNothing()
    {
        var id = await CreateRoomAsync("{}");

        using var response = await SendAsync(HttpMethod.Patch, $"/rooms/{id}/participants", $"{{\"participants\":{{\"{Alice}\":{{\"role\":\"Kafka\"}}}}}}");

        var error = await AssertErrorAsync(response, HttpStatusCode.BadRequest, "BadRequest");
        var detail = Assert.Single(error.GetProperty("details").EnumerateArray());
        Assert.Equal("BadArgument", detail.GetProperty("code").GetString());
        Assert.Equal($"$.participants.{Alice}.role", detail.GetProperty("target").GetString());
        Assert.Empty(emulators.AcsRooms.Participants(id)!);
    }

    [Fact]
    public async Task MalformedIdentifier_Is400WithTheRecordedMessage()
    {
        using var response = await SendAsync(HttpMethod.Post, "/rooms", $"{{\"participants\":{{\"wrong_mri\":{{\"role\":\"Attendee\"}},\"{Alice}\":{{\"role\":\"Presenter\"}}}}}}");

        var error = await AssertErrorAsync(response, HttpStatusCode.BadRequest, "BadRequest");
        Assert.Equal("Invalid format for communication identifier.", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Bounds_RefuseOneRoomOrParticipantTooMany()
    {
        var limits = emulators.AcsOptions.Rooms;
        var id = await CreateRoomAsync($"{{\"participants\":{{\"{Alice}\":{{\"role\":\"Presenter\"}}}}}}");
        limits.MaxParticipantsPerRoom = 1;
        limits.MaxRooms = emulators.AcsRooms.Count;
        try
        {
            using var tooManyParticipants = await SendAsync(HttpMethod.Patch, $"/rooms/{id}/participants", $"{{\"participants\":{{\"{Bob}\":{{\"role\":\"Attendee\"}}}}}}");
            Assert.Contains("Acs:Rooms:MaxParticipantsPerRoom", (await AssertErrorAsync(tooManyParticipants, HttpStatusCode.BadRequest, "BadRequest")).GetProperty("message").GetString());

            using var tooManyRooms = await SendAsync(HttpMethod.Post, "/rooms", "{}");
            Assert.Contains("Acs:Rooms:MaxRooms", (await AssertErrorAsync(tooManyRooms, HttpStatusCode.BadRequest, "BadRequest")).GetProperty("message").GetString());
        }
        finally
        {
            limits.MaxParticipantsPerRoom = new Collab.Emulators.AcsRooms.AcsRoomsEmulatorOptions().MaxParticipantsPerRoom;
            limits.MaxRooms = new Collab.Emulators.AcsRooms.AcsRoomsEmulatorOptions().MaxRooms;
        }

        Assert.Equal([Alice], emulators.AcsRooms.Participants(id)!.Keys);
    }

    [Fact]
    public async Task UnsignedRequest_Is401Denied()
    {
        using var response = await _http.GetAsync(new Uri(emulators.AcsEndpoint, "/rooms?api-version=2025-03-13"));

        await AssertErrorAsync(response, HttpStatusCode.Unauthorized, "Denied");
    }

    private async Task<string> CreateRoomAsync(string body)
    {
        using var response = await SendAsync(HttpMethod.Post, "/rooms", body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
    }

    private static async Task<JsonElement> AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(code, Assert.Single(response.Headers.GetValues("x-ms-error-code")));
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        return error;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string body, string? repeatabilityId = null)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var request = new HttpRequestMessage(method, new Uri(emulators.AcsEndpoint, path + "?api-version=2025-03-13"))
        {
            Content = new ByteArrayContent(bytes),
        };
        if (repeatabilityId is not null)
        {
            request.Headers.TryAddWithoutValidation("Repeatability-Request-ID", repeatabilityId);
            request.Headers.TryAddWithoutValidation("Repeatability-First-Sent", AcsHmacSignature.FormatDate(DateTimeOffset.UtcNow));
        }

        AcsRequestSigner.Sign(request, bytes, Convert.FromBase64String(emulators.AcsOptions.AccessKey), DateTimeOffset.UtcNow);
        return await _http.SendAsync(request);
    }
}
