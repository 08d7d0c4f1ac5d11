using BenchmarkDotNet.Attributes;
using OpenImAuth.Core;
using OpenImAuth.Core.Tokens;

namespace OpenImAuth.Benchmarks;

/// <summary>The HS256 codec on every login and every authenticated request, and the secret check on every issuance.</summary>
[MemoryDiagnoser]
public class TokenCodecBenchmarks
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
    private readonly TokenCodec _codec = new("openIM123");
    private readonly AuthOptions _options = new("openIM123", 90, MultiLoginPolicy.AllLoginButSameTermKick, 30, [], CompatProfile.V3);
    private string _token = "";

    [GlobalSetup]
    public void Setup() => _token = _codec.Sign("user-12345", 1, Now, TimeSpan.FromDays(90), TokenFormat.WithNotBefore);

    [Benchmark(Baseline = true)]
    public string Sign() => _codec.Sign("user-12345", 1, Now, TimeSpan.FromDays(90), TokenFormat.WithNotBefore);

    [Benchmark]
    public TokenVerification Verify() => _codec.Verify(_token, Now);

    [Benchmark]
    public bool SecretMatches() => _options.SecretMatches("openIM123");
}
