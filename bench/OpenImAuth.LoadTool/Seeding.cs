using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace OpenImAuth.LoadTool;

internal static class Seeding
{
    private const int Batch = 1000;
    private const int Parallelism = 32;

    public static async Task<int> SeedUsersAsync(Uri api, int first, int count)
    {
        using var http = NewClient(api);
        var batches = Enumerable.Range(0, (count + Batch - 1) / Batch);
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (batch, ct) =>
        {
            var start = first + batch * Batch;
            var size = Math.Min(Batch, first + count - start);
            var body = new StringBuilder("{\"secret\":\"openIM123\",\"users\":[");
            for (var i = 0; i < size; i++)
            {
                body.Append(i == 0 ? "" : ",").Append("{\"userID\":\"u").Append(start + i).Append("\",\"nickname\":\"user ").Append(start + i).Append("\"}");
            }
            body.Append("]}");
            await PostAsync(http, "/user/user_register", body.ToString(), ct);
        });
        Console.WriteLine($"seeded {count} users from u{first}");
        return 0;
    }

    public static async Task<int> IssueTokensAsync(Uri api, int first, int count, int platform)
    {
        using var http = NewClient(api);
        var last = "";
        await Parallel.ForEachAsync(Enumerable.Range(first, count), new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (n, ct) =>
        {
            var answer = await PostAsync(http, "/auth/user_token", $"{{\"secret\":\"openIM123\",\"platformID\":{platform},\"userID\":\"u{n}\"}}", ct);
            last = answer.GetProperty("data").GetProperty("token").GetString()!;
        });
        Console.WriteLine(last);
        return 0;
    }

    private static HttpClient NewClient(Uri api)
    {
        var http = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Add("operationID", "load-tool");
        return http;
    }

    private static async Task<JsonElement> PostAsync(HttpClient http, string path, string body, CancellationToken ct)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(path, content, ct);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        if (answer.GetProperty("errCode").GetInt32() != 0)
        {
            throw new InvalidOperationException($"{path} failed: {answer}");
        }
        return answer;
    }
}
