using Collab.Functions.Tests.Infrastructure;
using Collab.Functions.Tokens;
using Microsoft.AspNetCore.Mvc;

namespace Collab.Functions.Tests.Tokens;

/// <summary>Every log entry written while tokens are issued, refused and revoked, at Trace level, holds no secret.</summary>
public sealed class SecretsNeverLoggedTests(EmulatorHost emulators) : IClassFixture<EmulatorHost>
{
    [Fact]
    public async Task TokenIssuance_LogsNoKeyConnectionStringOrToken()
    {
        var settings = CollabApp.Settings(emulators);
        settings["RateLimit:PermitsPerMinute"] = "3";
        await using var app = CollabApp.Start(settings);
        var issued = new List<string>();

        var acs = await AcsTokenFunctionTests.IssueAsync(app, "alice-id");
        issued.Add(acs.Token);
        var negotiate = Assert.IsType<NegotiateResponse>(Assert.IsType<OkObjectResult>(
            await app.Function<NegotiateFunction>().Run(app.Request("POST", "alice-id"), "b1")).Value);
        issued.Add(negotiate.Url.Query.Split("access_token=")[1]);
        issued.Add(Assert.IsType<ContentResult>(await app.Function<FluidTokenFunction>().Run(app.Request("GET", "alice-id", query: "?tenantId=collab-tests"))).Content!);
        await app.Function<FluidTokenFunction>().Run(app.Request("GET", "alice-id", query: "?tenantId=collab-tests&userId=mallory"));
        for (var i = 0; i < 4; i++)
        {
            await app.Function<NegotiateFunction>().Run(app.Request("POST", "alice-id"), "b1");
        }

        await app.Function<AcsIdentityFunction>().Run(app.Request("DELETE", "alice-id"), CancellationToken.None);

        Assert.NotEmpty(app.Logs.Entries);
        string[] secrets =
        [
            emulators.WebPubSubOptions.AccessKey,
            emulators.AcsOptions.AccessKey,
            emulators.WebPubSubConnectionString,
            emulators.AcsConnectionString,
            CollabApp.FluidTenantKey,
            "AccountKey=",
            .. issued,
            .. issued.Select(t => t.Split('.')[2]),
        ];
        foreach (var entry in app.Logs.Entries)
        {
            foreach (var secret in secrets)
            {
                Assert.False(entry.Contains(secret, StringComparison.Ordinal), $"A log entry holds a secret: {entry[..Math.Min(entry.Length, 120)]}");
            }
        }
    }
}
