using System.Reflection;
using System.Text.Json;
using Collab.Boards;
using Collab.Functions.Acs;
using Collab.Functions.Boards;
using Collab.Functions.Configuration;
using Collab.Functions.Hub;
using Collab.Functions.Pipeline;
using Collab.Functions.Storage;
using Collab.Functions.Tests.Infrastructure;
using Collab.Functions.Tokens;
using Collab.Functions.WebPubSub;
using Collab.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Collab.Functions.Tests.Configuration;

/// <summary><c>local.settings.sample.json</c> lists every setting, and its values pass start-up validation.</summary>
public sealed class LocalSettingsSampleTests
{
    public static TheoryData<Type, string> OptionsClasses => new()
    {
        { typeof(WebPubSubOptions), WebPubSubOptions.SectionName },
        { typeof(AcsOptions), AcsOptions.SectionName },
        { typeof(FluidRelayOptions), FluidRelayOptions.SectionName },
        { typeof(CorsOptions), CorsOptions.SectionName },
        { typeof(RateLimitOptions), RateLimitOptions.SectionName },
        { typeof(EventHandlerOptions), EventHandlerOptions.SectionName },
        { typeof(BoardsOptions), BoardsOptions.SectionName },
        { typeof(BoardsAppOptions), BoardsOptions.SectionName },
    };

    [Theory]
    [MemberData(nameof(OptionsClasses))]
    public void Sample_ListsEverySettingOfEachOptionsClass(Type options, string section)
    {
        var keys = Values().Keys;

        foreach (var property in options.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            var key = $"{section}__{property.Name}";
            Assert.True(keys.Any(k => k == key || k.StartsWith(key + "__", StringComparison.Ordinal)), $"{key} is missing from local.settings.sample.json.");
        }
    }

    [Fact]
    public void Sample_PassesStartUpValidation()
    {
        var settings = Values().ToDictionary(p => p.Key.Replace("__", ":", StringComparison.Ordinal), p => (string?)p.Value);

        using var provider = CollabApp.BuildServices(settings);

        provider.GetRequiredService<IStartupValidator>().Validate();
        Assert.Equal("identities", provider.GetRequiredService<IOptions<StorageOptions>>().Value.IdentitiesContainer);
        Assert.Equal(["chat.join.limited", "voip"], provider.GetRequiredService<IOptions<AcsOptions>>().Value.AllowedScopes());
    }

    private static Dictionary<string, string> Values()
    {
        using var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "local.settings.sample.json")));
        return sample.RootElement.GetProperty("Values").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
    }
}
