using Collab.Boards.Model;

namespace Collab.Boards.Tests;

/// <summary>What a board id may be: it names a Web PubSub group, blobs and URLs.</summary>
public sealed class BoardIdTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("Sprint_42-b")]
    [InlineData("0123456789012345678901234567890123456789012345678901234567890123")]
    public void Ids_OfLettersDigitsUnderscoreAndHyphen_AreValid(string boardId) => Assert.True(BoardId.IsValid(boardId));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("a/b")]
    [InlineData("01234567890123456789012345678901234567890123456789012345678901234")]
    // $ in a .NET pattern matches before a final newline too; the id must not end in one.
    [InlineData("x\n")]
    [InlineData("x\r\n")]
    [InlineData("\nx")]
    public void AnythingElse_IsNot(string? boardId) => Assert.False(BoardId.IsValid(boardId));
}
