using BenchmarkDotNet.Attributes;
using OpenImAuth.Core;
using OpenImAuth.Core.Tokens;

namespace OpenImAuth.Benchmarks;

/// <summary>
/// The HS256 codec on every login and every authenticated request, the secret check on every issuance, and the
/// compact tokens a Redis instance remembers its users' tokens as (made on every login, written out on the next).
/// </summary>
[MemoryDiagnoser]
public class TokenCodecBenchmarks
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
    private readonly TokenCodec _codec = new("openIM123");
    private readonly AuthOptions _options = new("openIM123", 90, MultiLoginPolicy.AllLoginButSameTermKick, 30, [], CompatProfile.V3);
    private SignedToken _signed;
    private CompactToken _compact;

    [GlobalSetup]
    public void Setup()
    {
        _signed = _codec.SignWithTimes("user-12345", 1, Now, TimeSpan.FromDays(90), TokenFormat.WithNotBefore);
        if (!CompactToken.TryCreate(_signed.Token, "user-12345", 1, _signed.IssuedAt, _signed.ExpiresAt, out _compact))
        {
            throw new InvalidOperationException("a token just signed must be made compact");
        }
    }

    [Benchmark(Baseline = true)]
    public string Sign() => _codec.Sign("user-12345", 1, Now, TimeSpan.FromDays(90), TokenFormat.WithNotBefore);

    [Benchmark]
    public TokenVerification Verify() => _codec.Verify(_signed.Token, Now);

    [Benchmark]
    public bool SecretMatches() => _options.SecretMatches("openIM123");

    [Benchmark]
    public bool CompactTokenCreate() =>
        CompactToken.TryCreate(_signed.Token, "user-12345", 1, _signed.IssuedAt, _signed.ExpiresAt, out _);

    [Benchmark]
    public string CompactTokenWrite() => _compact.ToToken("user-12345", 1, _signed.IssuedAt, _signed.ExpiresAt);
}
