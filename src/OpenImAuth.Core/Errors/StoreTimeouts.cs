namespace OpenImAuth.Core.Errors;

/// <summary>
/// A store call that failed because the store did not answer within its configured timeout. StackExchange.Redis throws
/// a <see cref="TimeoutException"/> of its own; Npgsql (and our PostgreSQL store) an exception that wraps one.
/// </summary>
public static class StoreTimeouts
{
    public static bool IsTimeout(Exception exception) =>
        exception is TimeoutException || exception.InnerException is TimeoutException;
}
