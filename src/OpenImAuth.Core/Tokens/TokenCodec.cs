using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using OpenImAuth.Core.Errors;
using OpenImAuth.Core.Security;

namespace OpenImAuth.Core.Tokens;

/// <summary>
/// OpenIM's HS256 JWT, hand-rolled on <see cref="HMACSHA256"/> because OpenIM's default secret (9 bytes) is shorter
/// than Microsoft.IdentityModel accepts. Signing reproduces open-im-server's bytes exactly; verification checks the
/// signature first, then the claims, and maps failures to OpenIM's codes (docs/decisions.md, D5 and W5).
/// <para>
/// The keys come from a <see cref="SecretKeyring"/>, which may change while the codec runs: it signs with the current
/// secret and accepts a signature of the current or of any previous one.
/// </para>
/// </summary>
public sealed partial class TokenCodec(SecretKeyring keyring, int rememberedTokens = VerifiedTokens.DefaultCapacity)
{
    /// <summary>A codec of one secret that never changes.</summary>
    public TokenCodec(string secret, int rememberedTokens = VerifiedTokens.DefaultCapacity)
        : this(new SecretKeyring(secret), rememberedTokens)
    {
    }

    /// <summary>base64url of <c>{"alg":"HS256","typ":"JWT"}</c>, the only header OpenIM writes.</summary>
    public const string Header = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

    /// <summary>Longer tokens are refused as malformed before any decoding, to bound the work an attacker can ask for.</summary>
    public const int MaxTokenLength = 4096;

    internal const int SignatureBytes = 32;

    private static readonly SearchValues<char> Base64UrlAlphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");
    private Keys _keys = new(keyring.Secrets, new VerifiedTokens(rememberedTokens));

    /// <summary>How many tokens are remembered as authentic (for tests and diagnostics).</summary>
    internal int RememberedTokens => CurrentKeys().Verified.Count;

    /// <summary>
    /// The secrets in force with the tokens found authentic under them. A token is remembered as authentic for one set
    /// of secrets only: when a secret is taken out of the keyring, the tokens it signed must fail at once, so a new
    /// set starts with nothing remembered (the hot tokens pay one HMAC each again, once per rotation).
    /// </summary>
    private sealed record Keys(SecretSet Secrets, VerifiedTokens Verified);

    private Keys CurrentKeys()
    {
        var keys = Volatile.Read(ref _keys);
        var secrets = keyring.Secrets;
        if (ReferenceEquals(keys.Secrets, secrets))
        {
            return keys;
        }
        var fresh = new Keys(secrets, new VerifiedTokens(rememberedTokens));
        // Whoever swaps first wins; a loser uses the winner's, unless the keyring moved on again meanwhile.
        var seen = Interlocked.CompareExchange(ref _keys, fresh, keys);
        return ReferenceEquals(seen, keys) || !ReferenceEquals(seen.Secrets, secrets) ? fresh : seen;
    }

    // A keyed HMAC per thread, reused: one-shot HashData sets OpenSSL's key up again on every call, which costs as
    // much as the hash itself. Keyed by the key array, so other secrets (another codec's, or a rotation's) never share one.
    [ThreadStatic]
    private static (byte[] Key, IncrementalHash Hmac)? t_hmac;

    public string Sign(string userId, int platformId, DateTimeOffset now, TimeSpan lifetime, TokenFormat format) =>
        SignWithTimes(userId, platformId, now, lifetime, format).Token;

    /// <summary>
    /// Signs as <see cref="Sign"/> does, and says which <c>iat</c> and <c>exp</c> the token carries. With a
    /// <paramref name="tokenId"/> the claims end in a <c>jti</c>, where Go's jwt.RegisteredClaims writes its ID: a
    /// token OpenIM accepts as its own, told apart from every other token of the same second. OpenIM counts the
    /// lifetime from now; with <paramref name="fromIssuedAt"/> it counts from <c>iat</c> instead, so that a lifetime a
    /// caller asked for is exactly <c>exp − iat</c> in either format (format B's <c>iat</c> is five seconds back).
    /// </summary>
    public SignedToken SignWithTimes(string userId, int platformId, DateTimeOffset now, TimeSpan lifetime, TokenFormat format,
        string? tokenId = null, bool fromIssuedAt = false)
    {
        // OpenIM truncates "now" to whole seconds before computing every claim.
        var nowSeconds = now.ToUnixTimeSeconds();
        var issued = IssuedAt(now, format);
        var expires = (fromIssuedAt ? issued : nowSeconds) + (long)lifetime.TotalSeconds;
        var token = Write(new PayloadFields(userId, platformId, issued, expires, format, tokenId), keyring.Secrets.CurrentKey, default, expected: null)!;
        return new SignedToken(token, issued, expires);
    }

    /// <summary>The <c>iat</c> a token signed at <paramref name="now"/> carries: format B's is five seconds back.</summary>
    public static long IssuedAt(DateTimeOffset now, TokenFormat format) =>
        format == TokenFormat.WithNotBefore ? now.ToUnixTimeSeconds() : now.ToUnixTimeSeconds() - 5;

    /// <summary>A new token ID: 128 random bits, base64url, so that no two logins ever share one.</summary>
    public static string NewTokenId() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));

    public TokenVerification Verify(string token, DateTimeOffset now)
    {
        if (token.Length > MaxTokenLength)
        {
            return TokenVerification.Fail(ErrorCodes.TokenMalformedError);
        }
        var keys = CurrentKeys();
        if (keys.Verified.TryGet(token, out var known))
        {
            return new TokenVerification(known, CheckTimes(known, now));
        }
        var firstDot = token.IndexOf('.', StringComparison.Ordinal);
        var secondDot = firstDot < 0 ? -1 : token.IndexOf('.', firstDot + 1);
        if (secondDot < 0 || token.IndexOf('.', secondDot + 1) >= 0)
        {
            return TokenVerification.Fail(ErrorCodes.TokenMalformedError);
        }

        // Decoded on the stack: base64url is three bytes per four characters, and the token is bounded above.
        Span<byte> decoded = stackalloc byte[Base64Url.GetMaxDecodedLength(secondDot)];
        if (!TryDecodeSegment(token.AsSpan(0, firstDot), decoded, out var headerLength)
            || !TryDecodeSegment(token.AsSpan(firstDot + 1, secondDot - firstDot - 1), decoded[headerLength..], out var payloadLength))
        {
            return TokenVerification.Fail(ErrorCodes.TokenMalformedError);
        }
        var isHs256 = JwtJson.ReadIsHs256(decoded[..headerLength], out var headerOk);
        var claims = JwtJson.ReadClaims(decoded.Slice(headerLength, payloadLength));
        if (!headerOk || claims is null)
        {
            return TokenVerification.Fail(ErrorCodes.TokenMalformedError);
        }
        // Only HS256 is ours; "none", RSA and the other HMAC sizes are refused like a bad signature.
        if (!isHs256 || !SignatureMatches(keys.Secrets, token.AsSpan(0, secondDot), token.AsSpan(secondDot + 1)))
        {
            return TokenVerification.Fail(ErrorCodes.TokenUnknownError);
        }
        keys.Verified.Remember(token, claims);
        return new TokenVerification(claims, CheckTimes(claims, now));
    }

    /// <summary>
    /// The claims of <paramref name="token"/> without checking its signature or times, or null when malformed.
    /// For stores that keep only OpenIM's (token → status) layout and recover issuance and expiry from the token.
    /// </summary>
    public static TokenClaims? ReadClaimsUnverified(string token)
    {
        var firstDot = token.IndexOf('.', StringComparison.Ordinal);
        var secondDot = firstDot < 0 ? -1 : token.IndexOf('.', firstDot + 1);
        if (token.Length > MaxTokenLength || secondDot < 0 || token.IndexOf('.', secondDot + 1) >= 0)
        {
            return null;
        }
        var segment = token.AsSpan(firstDot + 1, secondDot - firstDot - 1);
        Span<byte> payload = stackalloc byte[Base64Url.GetMaxDecodedLength(segment.Length)];
        return TryDecodeSegment(segment, payload, out var length) ? JwtJson.ReadClaims(payload[..length]) : null;
    }

    private static int CheckTimes(TokenClaims claims, DateTimeOffset now)
    {
        // jwt-go compares the exact current time against whole-second claims: valid while now < exp,
        // now >= nbf and now >= iat. Expiry wins over "not yet valid", which wins over a future iat.
        var nowMs = now.ToUnixTimeMilliseconds();
        if (claims.ExpiresAt is { } exp && nowMs >= exp * 1000)
        {
            return ErrorCodes.TokenExpiredError;
        }
        if (claims.NotBefore is { } nbf && nowMs < nbf * 1000)
        {
            return ErrorCodes.TokenNotValidYetError;
        }
        if (claims.IssuedAt is { } iat && nowMs < iat * 1000)
        {
            return ErrorCodes.TokenUnknownError;
        }
        return 0;
    }

    /// <summary>
    /// Whether the signature is the current secret's or a previous one's. The current secret is tried first and the
    /// previous ones only when it does not match, so tokens of the current secret cost one HMAC as before.
    /// </summary>
    private static bool SignatureMatches(SecretSet secrets, ReadOnlySpan<char> signingInput, ReadOnlySpan<char> encodedSignature)
    {
        Span<byte> presented = stackalloc byte[SignatureBytes];
        if (Base64Url.GetMaxDecodedLength(encodedSignature.Length) > SignatureBytes
            || !TryDecodeSegment(encodedSignature, presented, out var presentedLength) || presentedLength != SignatureBytes)
        {
            return false;
        }
        // The signing input is ASCII once the segments decoded; MaxTokenLength bounds it.
        Span<byte> input = stackalloc byte[signingInput.Length];
        var length = Encoding.ASCII.GetBytes(signingInput, input);
        Span<byte> expected = stackalloc byte[SignatureBytes];
        ComputeSignature(secrets.CurrentKey, input[..length], expected);
        if (CryptographicOperations.FixedTimeEquals(expected, presented))
        {
            return true;
        }
        foreach (var key in secrets.PreviousKeys)
        {
            // One-shot: the per-thread HMAC stays keyed with the current secret, which signs nearly every token.
            HMACSHA256.HashData(key, input[..length], expected);
            if (CryptographicOperations.FixedTimeEquals(expected, presented))
            {
                return true;
            }
        }
        return false;
    }

    private static void ComputeSignature(byte[] key, ReadOnlySpan<byte> signingInput, Span<byte> signature)
    {
        if (t_hmac is not { } cached || !ReferenceEquals(cached.Key, key))
        {
            t_hmac?.Hmac.Dispose();
            cached = (key, IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key));
            t_hmac = cached;
        }
        cached.Hmac.AppendData(signingInput);
        cached.Hmac.GetHashAndReset(signature);
    }

    /// <summary>Unpadded base64url, as Go's RawURLEncoding: padding or any other character makes it malformed.</summary>
    internal static bool TryDecodeSegment(ReadOnlySpan<char> segment, Span<byte> destination, out int written)
    {
        // Base64Url.DecodeFromChars skips whitespace, which Go refuses, so check the alphabet first.
        written = 0;
        if (segment.ContainsAnyExcept(Base64UrlAlphabet))
        {
            return false;
        }
        var status = Base64Url.DecodeFromChars(segment, destination, out var consumed, out written);
        return status == OperationStatus.Done && consumed == segment.Length;
    }
}
