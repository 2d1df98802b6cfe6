namespace Collab.Functions.Http;

/// <summary>Thrown by services to end a request with <see cref="Problem"/>; the endpoint turns it into the response.</summary>
public sealed class ApiProblemException(ProblemResult problem) : Exception(problem?.Problem.Detail)
{
    /// <summary>The response to send.</summary>
    public ProblemResult Problem { get; } = problem ?? throw new ArgumentNullException(nameof(problem));
}
