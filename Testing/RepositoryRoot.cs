namespace Collab.Testing;

/// <summary>Finds the checkout's root (the folder holding Collab.sln) from the test binaries.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    /// <summary>The Function App's build output for this test build's configuration (bin/&lt;Configuration&gt;/net10.0): the worker the local host runs.</summary>
    public static string FunctionAppDirectory => BuildOutput("Functions");

    /// <summary>The <c>functions.metadata</c> the build generated for this test build's configuration.</summary>
    public static string FunctionsMetadata => System.IO.Path.Combine(FunctionAppDirectory, "functions.metadata");

    /// <summary>The build output of the project in <paramref name="folder"/> for this test build's configuration.</summary>
    public static string BuildOutput(string folder) => System.IO.Path.Combine(
        Path, folder, "bin", new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(System.IO.Path.DirectorySeparatorChar)).Parent!.Name, "net10.0");

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Collab.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Collab.sln not found above " + AppContext.BaseDirectory);
    }
}
