using BenchmarkDotNet.Running;
using OpenImAuth.Benchmarks;

// dotnet run -c Release --project bench/OpenImAuth.Benchmarks -- --filter '*'
// dotnet run -c Release --project bench/OpenImAuth.Benchmarks -- memory 1000000   (bytes per live token, embedded store)
return args is ["memory", var count]
    ? await MirrorMemory.RunAsync(int.Parse(count, System.Globalization.CultureInfo.InvariantCulture))
    : Run(args);

static int Run(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(TokenCodecBenchmarks).Assembly).Run(args);
    return 0;
}
