namespace Collab.Functions.Tests.Infrastructure;

/// <summary>
/// The Azurite instance the README's test command starts; its blob endpoint arrives in
/// <c>COLLAB_TEST_AZURITE_BLOB</c>. Tests that need storage fail loudly without it, never skip.
/// </summary>
internal static class Azurite
{
    private const string DevAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    public static string ConnectionString
    {
        get
        {
            var blob = Environment.GetEnvironmentVariable("COLLAB_TEST_AZURITE_BLOB");
            Assert.False(string.IsNullOrEmpty(blob), "COLLAB_TEST_AZURITE_BLOB is not set: run the tests through scripts/test.sh, which starts Azurite.");
            return $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={DevAccountKey};BlobEndpoint={blob};";
        }
    }
}
