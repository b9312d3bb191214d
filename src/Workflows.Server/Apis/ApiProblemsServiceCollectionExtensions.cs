using Workflows.Server.Apis;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the API's error answers.</summary>
public static class ApiProblemsServiceCollectionExtensions
{
    /// <summary>
    /// Makes every error of the API an RFC 9457 problem details document: exceptions (<see cref="Problems"/>), request
    /// binding failures (thrown rather than answered with an empty 400), and bodies over <see cref="ApiOptions.MaxBodyBytes"/>.
    /// </summary>
    public static IServiceCollection AddApiProblems(this IServiceCollection services)
    {
        services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section)
            .Validate(o => o.MaxBodyBytes > 0, "Api:MaxBodyBytes must be positive.")
            .ValidateOnStart();
        services.AddProblemDetails();
        services.AddExceptionHandler<Problems>();
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        return services;
    }
}
