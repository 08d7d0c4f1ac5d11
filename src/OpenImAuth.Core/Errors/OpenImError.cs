namespace OpenImAuth.Core.Errors;

/// <summary>
/// An expected failure, carried as a value. On the wire it becomes
/// <c>{"errCode":Code,"errMsg":Message,"errDlt":"&lt;Detail&gt;: [Code]Message"}</c> (docs/decisions.md, D4).
/// </summary>
public sealed record OpenImError(int Code, string Detail)
{
    public string Message => ErrorCodes.NameOf(Code);

    /// <summary>The errDlt text: the detail, then the code and name, which reproduces the seed's bodies exactly.</summary>
    public string WireDetail => $"{Detail}: [{Code}]{Message}";

    public static OpenImError Args(string detail) => new(ErrorCodes.ArgsError, detail);

    public static OpenImError NoPermission(string detail) => new(ErrorCodes.NoPermissionError, detail);

    public static OpenImError NotFound(string detail = "") => new(ErrorCodes.RecordNotFoundError, detail);

    public static OpenImError Internal(string detail) => new(ErrorCodes.ServerInternalError, detail);

    public static OpenImError Token(int code) => new(code, "");
}
