using System.Threading.Channels;
using OpenImAuth.Storage.Redis;

namespace OpenImAuth.Storage.Tests;

public sealed class CoalescedReadTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CallersDuringARead_ShareTheNextRead_NeverTheOneInFlight()
    {
        // Arrange: every read waits for the test to answer it, and announces itself on a channel.
        var reads = new HeldReads();
        var read = new CoalescedRead<int>(reads.Start);

        // Act: one caller starts a read; three more ask while it is in flight
        var first = read.ReadAsync();
        Task<int>[] queued = [read.ReadAsync(), read.ReadAsync(), read.ReadAsync()];
        var startedWhileFirstInFlight = reads.Started;
        (await reads.NextAsync()).SetResult(1);
        var firstResult = await first;
        (await reads.NextAsync()).SetResult(2);
        var queuedResults = await Task.WhenAll(queued);

        // Assert: the three queued callers were answered by one read that started after they asked
        Assert.Equal(1, startedWhileFirstInFlight);
        Assert.Equal(1, firstResult);
        Assert.Equal([2, 2, 2], queuedResults);
        Assert.Equal(2, reads.Started);
    }

    [Fact]
    public async Task ARequestThatBeganBeforeARead_MayUseIt_OneThatBeganAfter_WaitsForTheNext()
    {
        // Arrange: one read completes; one request began before it was sent, another after
        var reads = new HeldReads();
        var read = new CoalescedRead<int>(reads.Start);
        var beganBefore = System.Diagnostics.Stopwatch.GetTimestamp();
        var first = read.ReadAsync();
        (await reads.NextAsync()).SetResult(1);
        await first;
        var beganAfter = System.Diagnostics.Stopwatch.GetTimestamp();

        // Act
        var early = read.ReadAsync(beganBefore);
        var late = read.ReadAsync(beganAfter);
        var startedBeforeAnswering = reads.Started;
        (await reads.NextAsync()).SetResult(2);
        var outsideARequest = read.ReadAsync(0);
        (await reads.NextAsync()).SetResult(3);

        // Assert: the early request is answered by the read it preceded, at once; the others by a new one each
        Assert.True(early.IsCompletedSuccessfully);
        Assert.Equal(1, await early);
        Assert.Equal(2, startedBeforeAnswering);
        Assert.Equal(2, await late);
        Assert.Equal(3, await outsideARequest);
    }

    [Fact]
    public async Task AReadThatTimedOut_FailsTheRoundQueuedBehindIt_WithoutReadingAgain()
    {
        // Arrange: the first read waits for the test; two callers queue behind it.
        var reads = new HeldReads();
        var read = new CoalescedRead<int>(reads.Start);
        var first = read.ReadAsync();
        Task<int>[] queued = [read.ReadAsync(), read.ReadAsync()];
        var timeout = new TimeoutException("the store did not answer in time");

        // Act
        (await reads.NextAsync()).SetException(timeout);

        // Assert: everyone fails with that timeout at once, instead of the queued waiting for a second one; a caller
        // after that starts a read of its own.
        Assert.Same(timeout, await Assert.ThrowsAsync<TimeoutException>(() => first));
        foreach (var caller in queued)
        {
            // Bounded: without the rule they would wait for a second read that the test never answers.
            Assert.Same(timeout, await Assert.ThrowsAnyAsync<TimeoutException>(() => caller.WaitAsync(TimeSpan.FromSeconds(30), Ct)));
        }
        Assert.Equal(1, reads.Started);
        var later = read.ReadAsync();
        (await reads.NextAsync()).SetResult(7);
        Assert.Equal(7, await later);
    }

    [Fact]
    public async Task AFailedRead_FailsItsCallers_AndTheNextRoundReadsAgain()
    {
        var calls = 0;
        var read = new CoalescedRead<int>(() => ++calls == 1
            ? Task.FromException<int>(new InvalidOperationException("down"))
            : Task.FromResult(calls));

        await Assert.ThrowsAsync<InvalidOperationException>(read.ReadAsync);
        Assert.Equal(2, await read.ReadAsync());
    }

    /// <summary>Reads that each wait for the test to answer them, announced in the order they start.</summary>
    private sealed class HeldReads
    {
        private readonly Channel<TaskCompletionSource<int>> _started = Channel.CreateUnbounded<TaskCompletionSource<int>>();
        private int _count;

        public int Started => Volatile.Read(ref _count);

        public Task<int> Start()
        {
            Interlocked.Increment(ref _count);
            var answer = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            _started.Writer.TryWrite(answer);
            return answer.Task;
        }

        public ValueTask<TaskCompletionSource<int>> NextAsync() => _started.Reader.ReadAsync(Ct);
    }
}
