using System.Buffers.Text;
using System.Runtime.CompilerServices;

namespace OpenImAuth.Core.Tokens;

/// <summary>
/// A token in OpenIM's exact layout, kept as what its claims do not say: its signature and its format, 33 bytes where
/// its text takes 160 characters or more. With the user, platform, <c>iat</c> and <c>exp</c> that a store keeps beside
/// it anyway, that writes the very same text again, without the secret. Only a token that is exactly such a text can
/// be made compact (<see cref="TryCreate"/> checks every byte), so any other token a foreign writer stored stays as it is.
/// </summary>
public readonly struct CompactToken
{
    private readonly SignatureBytes _signature;
    private readonly bool _withNotBefore;

    // One deployment signs in one format: trying the one that matched last first makes a check one write, not two.
    private static volatile bool s_lastWithNotBefore = true;

    private CompactToken(ReadOnlySpan<byte> signature, bool withNotBefore)
    {
        signature.CopyTo(_signature);
        _withNotBefore = withNotBefore;
    }

    private TokenFormat Format => _withNotBefore ? TokenFormat.WithNotBefore : TokenFormat.Backdated;

    /// <summary>
    /// The compact form of <paramref name="token"/> when writing out that form with these claims gives back exactly
    /// <paramref name="token"/>, in either of OpenIM's two formats.
    /// </summary>
    public static bool TryCreate(string token, string userId, int platformId, long issuedAt, long expiresAt, out CompactToken compact)
    {
        compact = default;
        var dot = token.LastIndexOf('.');
        var encoded = token.AsSpan(dot + 1);
        Span<byte> signature = stackalloc byte[TokenCodec.SignatureBytes];
        if (dot < 0 || encoded.Length != Base64Url.GetEncodedLength(TokenCodec.SignatureBytes)
            || !TokenCodec.TryDecodeSegment(encoded, signature, out var written) || written != TokenCodec.SignatureBytes)
        {
            return false;
        }
        var first = s_lastWithNotBefore;
        foreach (var withNotBefore in (ReadOnlySpan<bool>)[first, !first])
        {
            var candidate = new CompactToken(signature, withNotBefore);
            // Compared byte for byte: a decoder that accepts other spellings of the signature changes nothing here.
            if (TokenCodec.IsWrittenAs(token, userId, platformId, issuedAt, expiresAt, candidate.Format, candidate._signature))
            {
                compact = candidate;
                if (withNotBefore != first)
                {
                    s_lastWithNotBefore = withNotBefore; // written only on a switch: every login on every core reads it
                }
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Whether <paramref name="token"/> is the text this writes out with these claims. Its signature is compared first,
    /// so another token of the same user is told apart by 32 bytes, without writing anything out.
    /// </summary>
    public bool IsTextOf(string token, string userId, int platformId, long issuedAt, long expiresAt)
    {
        var dot = token.LastIndexOf('.');
        Span<byte> signature = stackalloc byte[TokenCodec.SignatureBytes];
        return dot >= 0 && TokenCodec.TryDecodeSegment(token.AsSpan(dot + 1), signature, out var written)
            && written == TokenCodec.SignatureBytes && signature.SequenceEqual(_signature)
            && TokenCodec.IsWrittenAs(token, userId, platformId, issuedAt, expiresAt, Format, _signature);
    }

    /// <summary>The token's text, given the claims it was made compact with.</summary>
    public string ToToken(string userId, int platformId, long issuedAt, long expiresAt) =>
        TokenCodec.WriteSigned(userId, platformId, issuedAt, expiresAt, Format, _signature);

    [InlineArray(TokenCodec.SignatureBytes)]
    private struct SignatureBytes
    {
        private byte _first;
    }
}
