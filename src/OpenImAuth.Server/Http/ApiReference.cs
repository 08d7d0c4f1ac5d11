using System.Text.Json.Serialization;
using Microsoft.OpenApi;
using Scalar.AspNetCore;
using OpenImAuth.Server.Json;

namespace OpenImAuth.Server.Http;

/// <summary>The machine-readable API description and the page that renders it, both served by the API ports.</summary>
internal static class ApiReference
{
    public const string DocumentPath = "/openapi/v1.json";
    public const string PagePath = "/docs";

    public static IServiceCollection AddOpenImApiReference(this IServiceCollection services)
    {
        // Schemas are made from the contracts as the routes read and write them: the source-generated context first.
        // Numbers as the routes read them: JSON numbers only (the web defaults would also allow quoted ones).
        services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJson.Default);
            options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
        });
        services.AddOpenApi(options => options
            .AddDocumentTransformer<OpenImApiDocument>()
            .AddSchemaTransformer((schema, context, _) =>
            {
                // Read by a converter of its own, so the generator cannot tell its shape: a whole number.
                if (context.JsonTypeInfo.Type == typeof(Auth.RequestedExpiry))
                {
                    schema.Type = JsonSchemaType.Integer;
                    schema.Format = "int64";
                    schema.Description = "Beyond OpenIM: the token's lifetime in seconds, from 1 to tokenPolicy.maxExpireSeconds; "
                        + "absent or 0 for tokenPolicy.expire. Anything else is 1001.";
                }
                return Task.CompletedTask;
            }));
        return services;
    }

    public static void MapOpenImApiReference(this IEndpointRouteBuilder routes)
    {
        routes.MapOpenApi("/openapi/{documentName}.json");
        // Scalar serves its script from inside the server: the page needs no other host and works offline.
        routes.MapScalarApiReference(PagePath, options => options
            .WithTitle("OpenImAuth API")
            .WithOpenApiRoutePattern("/openapi/{documentName}.json"));
    }
}
