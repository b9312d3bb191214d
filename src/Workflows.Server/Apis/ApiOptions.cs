namespace Workflows.Server.Apis;

/// <summary>Settings of the REST API, bound from the <c>Api</c> configuration section.</summary>
public sealed class ApiOptions
{
    /// <summary>The configuration section name.</summary>
    public const string Section = "Api";

    /// <summary>Gets or sets the largest request body the API accepts, in bytes; larger ones get 413. Default is 4 MiB.</summary>
    public long MaxBodyBytes { get; set; } = 4 * 1024 * 1024;
}
