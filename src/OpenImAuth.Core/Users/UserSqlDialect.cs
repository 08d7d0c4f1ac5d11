namespace OpenImAuth.Core.Users;

/// <summary>
/// Where the SQL stores' dialects differ in the users table and its queries, which <see cref="UserTable"/> writes once.
/// </summary>
/// <param name="Parameter">What a named parameter starts with: <c>$</c> in SQLite, <c>@</c> in Npgsql.</param>
/// <param name="Position">
/// The column numbering users in registration order, which listing follows: SQLite's own <c>rowid</c>, or a column
/// the table declares.
/// </param>
/// <param name="PositionDefinition">
/// The type of <paramref name="Position"/> when the table declares it (first, with a unique index on it); <c>null</c>
/// when the database numbers rows by itself.
/// </param>
/// <param name="BigInteger">The type of a 64-bit integer column.</param>
/// <param name="Lower">The function folding every letter, not only ASCII, to lower case.</param>
/// <param name="Find">The function giving where a text starts in another, counted from 1, or 0 when it is not there.</param>
public sealed record UserSqlDialect(string Parameter, string Position, string? PositionDefinition, string BigInteger, string Lower, string Find);
