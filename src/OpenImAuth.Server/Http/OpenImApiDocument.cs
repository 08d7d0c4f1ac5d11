using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using OpenImAuth.Core;
using OpenImAuth.Core.Errors;
using OpenImAuth.Server.Configuration;

namespace OpenImAuth.Server.Http;

/// <summary>
/// Writes every OpenIM route into the OpenAPI document. The routes are mapped for every method (a GET answers gin's
/// 404, not ASP.NET's 405) and read their own bodies, so the API explorer sees none of them; this transformer
/// describes each from its <see cref="OpenImRoute"/> and <see cref="OpenImRouteDoc"/> instead: the POST, its
/// <c>operationID</c> and <c>token</c> headers, its body, and the envelope with its <c>data</c> and the codes it can
/// answer. The schemas come from the same contracts the routes read and write.
/// </summary>
internal sealed class OpenImApiDocument(EndpointDataSource endpoints, ServerSettings settings) : IOpenApiDocumentTransformer
{
    public async Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "OpenImAuth";
        document.Info.Description = "OpenIM's auth and user API. Every route is a POST with an operationID header and a JSON body, "
            + "and answers HTTP 200 with the envelope {errCode, errMsg, errDlt, data}: errCode 0 is success. Bodies over the "
            + "limit get HTTP 413, unknown routes HTTP 404 and too many requests HTTP 429, all with the envelope.";
        document.Paths ??= [];
        foreach (var endpoint in endpoints.Endpoints.OfType<RouteEndpoint>())
        {
            if (endpoint.Metadata.GetMetadata<OpenImRoute>() is not { } route)
            {
                continue;
            }
            var doc = endpoint.Metadata.GetMetadata<OpenImRouteDoc>()
                ?? throw new InvalidOperationException($"route {endpoint.RoutePattern.RawText} has no description");
            var path = "/" + endpoint.RoutePattern.RawText!.TrimStart('/');
            var operation = new OpenApiOperation
            {
                OperationId = path.TrimStart('/').Replace('/', '_'),
                Summary = doc.Summary,
                Tags = new HashSet<OpenApiTagReference> { new(path.Split('/')[1], document) },
                Parameters = Headers(route.Access),
                RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Content = Json(await RequestSchemaAsync(route.RequestType, context, cancellationToken)),
                },
                Responses = new OpenApiResponses
                {
                    ["200"] = new OpenApiResponse
                    {
                        Description = "The envelope: errCode 0 with the data, or one of the error codes listed in its schema.",
                        Content = Json(await EnvelopeAsync(route, doc, context, cancellationToken)),
                    },
                    ["413"] = new OpenApiResponse { Description = "The body is over api.maxRequestBodyBytes (errCode 1001 in the envelope)." },
                    ["429"] = new OpenApiResponse { Description = TooManyRequests(endpoint.Metadata.GetMetadata<Security.SecretRoute>() is not null) },
                },
            };
            document.Paths[path] = new OpenApiPathItem { Operations = new() { [HttpMethod.Post] = operation } };
        }
    }

    private static string TooManyRequests(bool secretRoute) =>
        (secretRoute
            ? $"This client address is locked out after security.maxSecretFailures wrong secrets (errCode {ErrorCodes.SecretLockedOutError}, "
              + "errDlt and Retry-After say when it ends), or "
            : "")
        + $"it sent more requests per second than security.rateLimit allows (errCode {ErrorCodes.RateLimitedError}); the envelope says which.";

    private static List<IOpenApiParameter> Headers(Access access)
    {
        var headers = new List<IOpenApiParameter>
        {
            new OpenApiParameter
            {
                Name = "operationID", In = ParameterLocation.Header, Required = true,
                Description = "Any non-empty text that names the call in logs; missing, the answer is 1001.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            },
        };
        if (access == Access.Token)
        {
            headers.Add(new OpenApiParameter
            {
                Name = "token", In = ParameterLocation.Header, Required = true,
                Description = "The caller's JWT as issued (no Bearer prefix).",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            });
        }
        return headers;
    }

    /// <summary>
    /// A request's schema, with no field required: as in Go, a missing field is its zero value, and the route answers
    /// 1001 naming it when it needs one (the summaries say which).
    /// </summary>
    private static async Task<IOpenApiSchema> RequestSchemaAsync(Type requestType, OpenApiDocumentTransformerContext context,
        CancellationToken cancellationToken)
    {
        var schema = await context.GetOrCreateSchemaAsync(requestType, null, cancellationToken);
        RequireNothing(schema);
        return schema;

        static void RequireNothing(IOpenApiSchema? schema)
        {
            if (schema is not OpenApiSchema { } own)
            {
                return; // a reference to a shared schema: left as the generator wrote it
            }
            own.Required?.Clear();
            RequireNothing(own.Items);
            foreach (var property in own.Properties?.Values ?? [])
            {
                RequireNothing(property);
            }
        }
    }

    private async Task<IOpenApiSchema> EnvelopeAsync(OpenImRoute route, OpenImRouteDoc doc,
        OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        var codes = new SortedSet<int>(doc.Errors.Concat(OpenImRouteDescriptions.CommonErrors)) { 0 };
        if (route.Access == Access.Token)
        {
            codes.UnionWith(OpenImRouteDescriptions.TokenErrors);
        }
        var envelope = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Required = new HashSet<string> { "errCode", "errMsg", "errDlt" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["errCode"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Integer,
                    Enum = codes.Select(code => (JsonNode)code).ToList(),
                    Description = string.Join(", ", codes.Select(code => $"{code} {(code == 0 ? "success" : ErrorCodes.NameOf(code))}")),
                },
                ["errMsg"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The code's name; empty on success." },
                ["errDlt"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "What went wrong: '<detail>: [<code>]<errMsg>'." },
            },
        };
        if (doc.DataTypes.Count > 0)
        {
            // Where the profiles answer different shapes, this server's profile decides which one it sends.
            var dataType = doc.DataTypes[settings.Auth.Profile == CompatProfile.V3 || doc.DataTypes.Count == 1 ? 0 : 1];
            var data = await context.GetOrCreateSchemaAsync(dataType, null, cancellationToken);
            envelope.Properties["data"] = data;
        }
        return envelope;
    }

    private static Dictionary<string, OpenApiMediaType> Json(IOpenApiSchema schema) =>
        new() { ["application/json"] = new OpenApiMediaType { Schema = schema } };
}
