using System.Globalization;

namespace OpenImAuth.Tests.Shared;

/// <summary>
/// Seeds for randomised tests: a fixed one, so that every run covers the same ground, and a new one per run, so that
/// runs together cover more. A failure names its seed; <c>FUZZ_SEED=&lt;seed&gt;</c> in the environment makes that
/// seed the second one, which replays the failing run.
/// </summary>
internal static class FuzzSeeds
{
    public const int Fixed = 19_07_2024;

    public const string Variable = "FUZZ_SEED";

    /// <summary>The fixed seed, then FUZZ_SEED when it is set, else a random one.</summary>
    public static IReadOnlyList<int> Both { get; } = [Fixed, Replayed() ?? Random.Shared.Next()];

    /// <summary>How to replay <paramref name="seed"/>, for a failure message.</summary>
    public static string Replay(int seed) => $"seed {seed} (replay: {Variable}={seed})";

    /// <summary>
    /// Checks <paramref name="count"/> inputs drawn from <paramref name="seed"/>; fails on the first one for which
    /// <paramref name="problem"/> says what is wrong, naming the seed, the case and the input (escaped, to be readable).
    /// </summary>
    public static void ForAll(int seed, int count, Func<Random, string> generate, Func<string, string?> problem)
    {
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var input = generate(random);
            if (problem(input) is { } wrong)
            {
                Assert.Fail($"{Replay(seed)}, case {i}, input \"{Escaped(input)}\": {wrong}");
            }
        }
    }

    /// <summary>
    /// Text as the body of a C# string literal: everything outside printable ASCII as <c>\uXXXX</c>, so that a
    /// failure shows exactly what was sent and can be pasted into a test.
    /// </summary>
    public static string Escaped(string text)
    {
        var escaped = new System.Text.StringBuilder();
        foreach (var c in text)
        {
            escaped.Append(c switch
            {
                '\\' => "\\\\",
                '"' => "\\\"",
                >= ' ' and < '\u007f' => c.ToString(),
                _ => $"\\u{(int)c:x4}",
            });
        }
        return escaped.ToString();
    }

    private static int? Replayed() =>
        int.TryParse(Environment.GetEnvironmentVariable(Variable), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed)
            ? seed
            : null;
}
