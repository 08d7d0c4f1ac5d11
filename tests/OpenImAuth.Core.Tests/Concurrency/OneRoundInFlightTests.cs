using System.Threading.Channels;
using OpenImAuth.Core.Concurrency;

namespace OpenImAuth.Core.Tests.Concurrency;

public sealed class OneRoundInFlightTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CallersWhoArriveDuringARound_ShareTheNextRound_NeverTheOneInFlight()
    {
        // Arrange: caller 1 starts a round; 2 and 3 arrive while it is in flight
        var rounds = new HeldRounds();
        var first = rounds.Ask(1);
        var inFlight = await rounds.NextAsync();
        Task<string>[] queued = [rounds.Ask(2), rounds.Ask(3)];

        // Act
        inFlight.Release("a");
        var next = await rounds.NextAsync();
        next.Release("b");

        // Assert: the round in flight answered only the caller who arrived before it started; one round the others
        Assert.Equal([1], inFlight.Callers);
        Assert.Equal("a:1", await first);
        Assert.Equal([2, 3], next.Callers);
        Assert.Equal(["b:2", "b:3"], await Task.WhenAll(queued));
        Assert.Equal(2, rounds.Started);
    }

    [Fact]
    public async Task TheNextRoundStarts_BeforeTheCallersOfTheRoundBeforeAreAnswered()
    {
        // Arrange
        var rounds = new HeldRounds();
        var first = rounds.Ask(1);
        var inFlight = await rounds.NextAsync();
        var second = rounds.Ask(2);

        // Act
        inFlight.Release("a");
        await first;

        // Assert: by the time the first round's callers were answered, the second round had been sent
        Assert.Equal(2, rounds.StartedWhenLastAnswered);
        (await rounds.NextAsync()).Release("b");
        Assert.Equal("b:2", await second);
    }

    [Fact]
    public async Task ARoundTakesAsManyCallersAsItAnswers_OldestFirst_TheRestTakeTheRoundAfter()
    {
        // Arrange: two callers a round at most; 2, 3 and 4 queue behind the round in flight
        var rounds = new HeldRounds(maxPerRound: 2);
        _ = rounds.Ask(1);
        var inFlight = await rounds.NextAsync();
        Task<string>[] queued = [rounds.Ask(2), rounds.Ask(3), rounds.Ask(4)];

        // Act
        inFlight.Release("a");
        var second = await rounds.NextAsync();
        second.Release("b");
        var third = await rounds.NextAsync();
        third.Release("c");

        // Assert
        Assert.Equal([2, 3], second.Callers);
        Assert.Equal([4], third.Callers);
        Assert.Equal(["b:2", "b:3", "c:4"], await Task.WhenAll(queued));
    }

    [Fact]
    public async Task AFailedRound_FailsItsOwnCallers_AndTheNextRoundGoesAhead()
    {
        // Arrange
        var rounds = new HeldRounds();
        var first = rounds.Ask(1);
        var inFlight = await rounds.NextAsync();
        var second = rounds.Ask(2);
        var down = new InvalidOperationException("down");

        // Act
        inFlight.Fail(down);
        var next = await rounds.NextAsync();
        next.Release("b");

        // Assert: the round's caller gets the store's own exception; the caller queued behind it its own round
        Assert.Same(down, await Assert.ThrowsAsync<InvalidOperationException>(() => first));
        Assert.Equal([2], next.Callers);
        Assert.Equal("b:2", await second);
    }

    [Fact]
    public async Task ARoundThatTimedOut_FailsTheCallersQueuedBehindIt_WithoutAnotherRound()
    {
        // Arrange
        var rounds = new HeldRounds();
        var first = rounds.Ask(1);
        var inFlight = await rounds.NextAsync();
        Task<string>[] queued = [rounds.Ask(2), rounds.Ask(3)];
        var timeout = new TimeoutException("the store did not answer in time");

        // Act
        inFlight.Fail(timeout);

        // Assert: everyone fails with that timeout at once; a caller after that starts a round of its own
        Assert.Same(timeout, await Assert.ThrowsAsync<TimeoutException>(() => first));
        foreach (var caller in queued)
        {
            // Bounded: without the rule they would wait for a second round that the test never answers.
            Assert.Same(timeout, await Assert.ThrowsAnyAsync<TimeoutException>(() => caller.WaitAsync(TimeSpan.FromSeconds(30), Ct)));
        }
        Assert.Equal(1, rounds.Started);
        var later = rounds.Ask(4);
        (await rounds.NextAsync()).Release("d");
        Assert.Equal("d:4", await later);
    }

    [Fact]
    public async Task ACallerWhoStopsWaiting_LeavesTheRoundToTheOthers()
    {
        // Arrange: 2 and 3 queue behind the round in flight; 2 waits with a token it then cancels
        var rounds = new HeldRounds();
        _ = rounds.Ask(1);
        var inFlight = await rounds.NextAsync();
        using var givesUp = new CancellationTokenSource();
        var impatient = rounds.Ask(2).WaitAsync(givesUp.Token);
        var patient = rounds.Ask(3);

        // Act
        await givesUp.CancelAsync();
        inFlight.Release("a");
        var next = await rounds.NextAsync();
        next.Release("b");

        // Assert: the impatient caller stopped waiting; the round it had joined still ran, for the other caller
        await Assert.ThrowsAsync<TaskCanceledException>(() => impatient);
        Assert.Equal([2, 3], next.Callers);
        Assert.Equal("b:3", await patient);
    }

    /// <summary>Rounds that each wait for the test to end them, announced in the order they start.</summary>
    private sealed class HeldRounds(int maxPerRound = int.MaxValue) : OneRoundInFlight<int, Task<string>, Round, string>
    {
        private readonly Channel<Round> _started = Channel.CreateUnbounded<Round>();
        private readonly List<(int Caller, TaskCompletionSource<string> Answer)> _queued = [];
        private int _count;

        public int Started => Volatile.Read(ref _count);

        public int StartedWhenLastAnswered { get; private set; }

        public Task<string> Ask(int caller) => Join(caller);

        // Bounded, so that a round that never starts fails the test rather than hanging it.
        public Task<Round> NextAsync() => _started.Reader.ReadAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(30), Ct);

        protected override Task<string> Queue(int caller)
        {
            var answer = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            _queued.Add((caller, answer));
            return answer.Task;
        }

        protected override bool HasQueued => _queued.Count > 0;

        protected override Round TakeQueued(bool all)
        {
            var take = all ? _queued.Count : Math.Min(maxPerRound, _queued.Count);
            var round = new Round(_queued[..take]);
            _queued.RemoveRange(0, take);
            return round;
        }

        protected override Task<string> SendAsync(Round round)
        {
            Interlocked.Increment(ref _count);
            _started.Writer.TryWrite(round);
            return round.Ended.Task;
        }

        protected override void Answer(Round round, string reply)
        {
            StartedWhenLastAnswered = Started;
            foreach (var (caller, waiting) in round.Waiting)
            {
                waiting.TrySetResult($"{reply}:{caller}");
            }
        }

        protected override void Fail(Round round, Exception failure)
        {
            foreach (var (_, waiting) in round.Waiting)
            {
                waiting.TrySetException(failure);
            }
        }
    }

    /// <summary>One round: the callers it answers, and the test's hand to end it.</summary>
    private sealed class Round(List<(int Caller, TaskCompletionSource<string> Answer)> waiting)
    {
        public List<(int Caller, TaskCompletionSource<string> Answer)> Waiting => waiting;

        public int[] Callers => [.. waiting.Select(w => w.Caller)];

        public TaskCompletionSource<string> Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release(string answer) => Ended.SetResult(answer);

        public void Fail(Exception failure) => Ended.SetException(failure);
    }
}
