using System.Net;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs;
using Collab.Functions.Configuration;
using Collab.Functions.Storage;
using Collab.Functions.Tokens;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Collab.Functions.Tests.Infrastructure;

/// <summary>
/// The token endpoints called over HTTP through a <see cref="LocalStack"/>, as the SPA calls them, and what they left
/// in the stack's storage.
/// </summary>
internal static class TokenRequests
{
    /// <summary>A fresh user name (the dev sign-in's display name; its id is <see cref="LocalStack.UserIdOf"/>).</summary>
    public static string NewUser() => "user-" + Guid.NewGuid().ToString("N");

    /// <summary><c>POST /api/acs/token</c>, with <paramref name="json"/> as an application/json body when given.</summary>
    public static Task<HttpResponseMessage> PostAcsTokenAsync(HttpClient client, string? json = null, string? origin = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "api/acs/token");
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        return client.SendAsync(request);
    }

    /// <summary>An ACS token for the caller of <paramref name="client"/>; fails the test unless the answer is 200.</summary>
    public static async Task<AcsTokenResponse> IssueAcsTokenAsync(HttpClient client, string? json = null)
    {
        using var response = await PostAcsTokenAsync(client, json);
        return await OkJsonAsync<AcsTokenResponse>(response);
    }

    /// <summary><c>POST /api/boards/{boardId}/negotiate</c>; <paramref name="boardId"/> is sent as one escaped path segment.</summary>
    public static Task<HttpResponseMessage> PostNegotiateAsync(HttpClient client, string boardId) =>
        client.PostAsync($"api/boards/{Uri.EscapeDataString(boardId)}/negotiate", null);

    /// <summary>The negotiate answer for the caller of <paramref name="client"/>; fails the test unless it is 200.</summary>
    public static async Task<NegotiateResponse> NegotiateAsync(HttpClient client, string boardId)
    {
        using var response = await PostNegotiateAsync(client, boardId);
        return await OkJsonAsync<NegotiateResponse>(response);
    }

    /// <summary>The claims of the access token in a negotiated client URL.</summary>
    public static JsonElement Claims(NegotiateResponse response) => JwtPayload.Claims(response.Url.Query.Split("access_token=")[1]);

    /// <summary>A Fluid token (the text/plain body of <c>GET /api/fluid/token{query}</c>); fails the test unless it is 200.</summary>
    public static async Task<string> FluidTokenAsync(HttpClient client, string query)
    {
        using var response = await client.GetAsync("api/fluid/token" + query);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET api/fluid/token{query} answered {(int)response.StatusCode}: {body}");
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.ToString());
        AssertNotStored(response);
        return body;
    }

    /// <summary>
    /// Asserts <paramref name="response"/> is an RFC 7807 problem of <paramref name="status"/> and <paramref name="kind"/>,
    /// and returns its body.
    /// </summary>
    public static async Task<string> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string kind)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.StartsWith("application/problem+json", response.Content.Headers.ContentType?.ToString());
        AssertNotStored(response);
        using var problem = JsonDocument.Parse(body);
        Assert.Equal("urn:collab:problem:" + kind, problem.RootElement.GetProperty("type").GetString());
        Assert.Equal((int)status, problem.RootElement.GetProperty("status").GetInt32());
        return body;
    }

    /// <summary>The names of every ACS identity mapping in the stack's identities container.</summary>
    public static async Task<List<string>> AcsMappingBlobsAsync(LocalStack stack)
    {
        var container = stack.Services.GetRequiredService<BlobServiceClient>()
            .GetBlobContainerClient(stack.Services.GetRequiredService<IOptions<StorageOptions>>().Value.IdentitiesContainer);
        var names = new List<string>();
        if (!await container.ExistsAsync())
        {
            return names;
        }

        await foreach (var blob in container.GetBlobsAsync())
        {
            names.Add(blob.Name);
        }

        return names;
    }

    /// <summary>The ACS identity the stack's storage maps the dev sign-in user <paramref name="name"/> to, or null.</summary>
    public static async Task<string?> AcsMappingOfAsync(LocalStack stack, string name) =>
        (await stack.Services.GetRequiredService<AcsIdentityMappingStore>().GetAsync(LocalStack.UserIdOf(name), CancellationToken.None))?.Mapping.AcsUserId;

    private static async Task<T> OkJsonAsync<T>(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {body}");
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString());
        AssertNotStored(response);
        return JsonSerializer.Deserialize<T>(body, JsonSerializerOptions.Web)!;
    }

    /// <summary>Every answer of a token endpoint may carry a credential, so no cache may keep it.</summary>
    public static void AssertNotStored(HttpResponseMessage response) =>
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
}
