using System.Text.Json;
using Collab.Functions.Tests.Infrastructure;
using Collab.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Collab.Functions.Tests.Configuration;

/// <summary>
/// <c>WebPubSub:EventTimeWindow</c>, how old an upstream event may be, is checked at start-up, and the board engine
/// remembers operation ids at least that long (<c>Boards:DeduplicationAge</c>), so every retry the handler accepts is
/// recognised.
/// </summary>
public sealed class EventTimeWindowOptionsTests
{
    [Theory]
    [InlineData("00:05:00", "00:05:00", null)]
    [InlineData("00:05:00", null, "Boards:DeduplicationAge must be at least WebPubSub:EventTimeWindow")]
    [InlineData("00:00:01", null, "WebPubSub:EventTimeWindow must be 00:00:10 to 01:00:00.")]
    public void StartUp_RefusesAWindowOutOfRange_OrLongerThanDeduplication(string window, string? deduplicationAge, string? error)
    {
        var settings = SampleSettings();
        settings["WebPubSub:EventTimeWindow"] = window;
        if (deduplicationAge is not null)
        {
            settings["Boards:DeduplicationAge"] = deduplicationAge;
        }

        using var provider = CollabApp.BuildServices(settings);
        var validate = () => provider.GetRequiredService<IStartupValidator>().Validate();

        if (error is null)
        {
            validate();
        }
        else
        {
            Assert.Contains(error, Assert.ThrowsAny<Exception>(validate).ToString(), StringComparison.Ordinal);
        }
    }

    private static Dictionary<string, string?> SampleSettings()
    {
        using var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "local.settings.sample.json")));
        return sample.RootElement.GetProperty("Values").EnumerateObject().ToDictionary(p => p.Name.Replace("__", ":", StringComparison.Ordinal), p => (string?)p.Value.GetString());
    }
}
