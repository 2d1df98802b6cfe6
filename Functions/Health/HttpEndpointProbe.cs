namespace Collab.Functions.Health;

/// <summary>
/// A service answers when a request to it gets any HTTP response below 500. The request carries no credentials:
/// health must never spend or expose a key.
/// </summary>
public sealed class HttpEndpointProbe(string name, HttpMethod method, Uri target, HttpClient http) : IDependencyProbe
{
    /// <inheritdoc />
    public string Name => name;

    /// <inheritdoc />
    public async Task ProbeAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, target);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if ((int)response.StatusCode >= 500)
        {
            throw new HttpRequestException($"{name} answered {(int)response.StatusCode}.", null, response.StatusCode);
        }
    }
}
