namespace Collab.Functions.Mcp;

/// <summary>
/// The tools' JSON schemas (draft 2020-12 keywords), written out so that each field says what it is, its unit and its
/// limits, as <see cref="Collab.Boards.Model.BoardOperationReader"/> checks them. Coordinates are board units, x to the
/// right and y downwards, as in the SVG export.
/// </summary>
internal static class ToolSchemas
{
    public const string BoardId = """
        {"type":"string","pattern":"^[A-Za-z0-9_-]{1,64}$","description":"The board id (from list_boards, or the part after #/board/ in a board link)."}
        """;

    public const string IdempotencyKey = """
        {"type":"string","minLength":1,"maxLength":128,"description":"Any string naming this change, e.g. a UUID. Calling again with the same key and the same boardId commits nothing twice and answers with the original seqs, so a call that timed out can safely be repeated. Use a new key for each new change."}
        """;

    /// <summary>The fields every shape has or may have, then each kind's own.</summary>
    private const string ShapeFields = """
        "color":{"type":"string","pattern":"^#([0-9A-Fa-f]{6}|[0-9A-Fa-f]{8})$","description":"Stroke colour (text colour for text), #rrggbb or #rrggbbaa."},
        "width":{"type":"number","minimum":0.5,"maximum":200,"description":"Stroke width in board units; 2 when omitted on add."},
        "fill":{"type":"string","pattern":"^#([0-9A-Fa-f]{6}|[0-9A-Fa-f]{8})$","description":"Fill colour of rect, ellipse and circle, #rrggbb or #rrggbbaa; omit for no fill."},
        "points":{"type":"array","minItems":2,"maxItems":10000,"items":{"type":"array","prefixItems":[{"type":"number"},{"type":"number"}],"minItems":2,"maxItems":2},"description":"polyline: 2 to 10,000 [x, y] points of a freehand stroke; line: exactly 2 points, start and end."},
        "x":{"type":"number","minimum":-1000000,"maximum":1000000,"description":"rect and ellipse: left edge; circle: centre; text: left end of the baseline."},
        "y":{"type":"number","minimum":-1000000,"maximum":1000000,"description":"rect and ellipse: top edge; circle: centre; text: baseline (y grows downwards)."},
        "w":{"type":"number","minimum":0,"maximum":1000000,"description":"rect and ellipse: width."},
        "h":{"type":"number","minimum":0,"maximum":1000000,"description":"rect and ellipse: height."},
        "r":{"type":"number","minimum":0,"maximum":1000000,"description":"circle: radius."},
        "text":{"type":"string","minLength":1,"maxLength":2000,"description":"text: the words shown."},
        "fontSize":{"type":"number","minimum":4,"maximum":400,"description":"text: font size in board units (16 when omitted)."}
        """;

    public const string NewShape = """
        {"type":"object","additionalProperties":false,"required":["kind","color"],
         "description":"A shape to add. Fields by kind: polyline and line need points; rect and ellipse need x, y, w, h; circle needs x, y, r; text needs x, y, text (fontSize optional). Other kinds' fields are refused.",
         "properties":{
          "id":{"type":"string","pattern":"^[A-Za-z0-9_-]{1,64}$","description":"Optional shape id (1-64 of A-Z a-z 0-9 _ -). When omitted, one is derived from the idempotency key and the shape's position in the list (returned in the result). A shape with the id of an existing one replaces it."},
          "kind":{"type":"string","enum":["polyline","line","rect","ellipse","circle","text"],"description":"What to draw."},
        """ + ShapeFields + "}}";

    public const string ShapeChange = """
        {"type":"object","additionalProperties":false,"required":["id"],
         "description":"A change to an existing shape: its id and the fields to change; the others, and the kind, stay as they are. To move a rect, give x and y; to recolour, give color; to edit a text, give text.",
         "properties":{
          "id":{"type":"string","pattern":"^[A-Za-z0-9_-]{1,64}$","description":"The id of the shape to change (get_board lists them)."},
        """ + ShapeFields + "}}";
}
