using System.Buffers.Text;
using System.Text;
using Enclave.Core.Ids;

namespace Enclave.Functions.Http;

/// <summary>Opaque paging cursors: the last id of a page, encoded; anything that does not decode to an id is refused.</summary>
internal static class Cursors
{
    public static string Encode(string id) => Base64Url.EncodeToString(Encoding.ASCII.GetBytes(id));

    public static string? Decode(string cursor)
    {
        if (cursor.Length > 64)
        {
            return null;
        }

        try
        {
            var text = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(cursor));
            return EntityId.TryParse(text, out var id) ? id.Value : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
