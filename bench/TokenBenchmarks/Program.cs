using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Collab.Bench.TokenBenchmarks.TokenMintingBenchmarks).Assembly).Run(args);
