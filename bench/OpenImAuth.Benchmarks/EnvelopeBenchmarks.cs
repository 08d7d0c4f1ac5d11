using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using OpenImAuth.Core.Errors;
using OpenImAuth.Server.Auth;
using OpenImAuth.Server.Http;
using OpenImAuth.Server.Json;

namespace OpenImAuth.Benchmarks;

/// <summary>Writing OpenIM's envelope: a token answer (every issuance) and an error (every refusal).</summary>
[MemoryDiagnoser]
public class EnvelopeBenchmarks
{
    private readonly TokenResponse _token = new(new string('x', 220), 7_776_000);
    private readonly OpenImError _error = OpenImError.NotFound();

    [Benchmark(Baseline = true)]
    public Task TokenAnswer() => Envelope.WriteAsync(NewContext(), ApiResult.Ok(_token, ApiJson.Default.TokenResponse));

    [Benchmark]
    public Task ErrorAnswer() => Envelope.WriteAsync(NewContext(), _error);

    private static DefaultHttpContext NewContext() => new() { Response = { Body = Stream.Null } };
}
