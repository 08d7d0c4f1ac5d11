using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/OpenImAuth.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(OpenImAuth.Benchmarks.TokenCodecBenchmarks).Assembly).Run(args);
