using OpenImAuth.Core.Errors;
using OpenImAuth.Server.Users;

namespace OpenImAuth.Server.Http;

/// <summary>
/// The pagination of our own list routes (sessions, audit search): pages count from 1 and hold 1 to 1000 entries, each
/// bad value refused with 1001 naming the field. OpenIM's user lists keep OpenIM's looser rules (UserEndpoints).
/// </summary>
internal static class BoundedPage
{
    public const int MaxShowNumber = 1000;

    /// <summary>Null and the rows to skip and take, or the 1001 that names the bad field.</summary>
    public static OpenImError? Check(Pagination? pagination, out int skip, out int take)
    {
        skip = take = 0;
        if (pagination is null)
        {
            return OpenImError.Args("pagination is empty");
        }
        if (pagination.PageNumber is not >= 1)
        {
            return OpenImError.Args("pagination.pageNumber must be 1 or more");
        }
        if (pagination.ShowNumber is not (>= 1 and <= MaxShowNumber))
        {
            return OpenImError.Args($"pagination.showNumber must be 1 to {MaxShowNumber}");
        }
        take = pagination.ShowNumber.Value;
        skip = (int)Math.Min(int.MaxValue, (pagination.PageNumber.Value - 1L) * take);
        return null;
    }
}
