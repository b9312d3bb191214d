namespace Microsoft.Extensions.Logging;

/// <summary>The console log: one line per event with its scopes (run and step ids, trace and span ids), or JSON when configured.</summary>
public static class ConsoleLogging
{
    /// <summary>
    /// Adds the single-line console format with scopes, unless <c>Logging:Console:FormatterName</c> picks another
    /// (e.g. <c>json</c>, with <c>Logging:Console:FormatterOptions:IncludeScopes=true</c> for the ids as properties);
    /// and puts the current trace and span ids in every event's scope.
    /// </summary>
    /// <param name="logging">The logging builder.</param>
    /// <param name="configuration">The configuration.</param>
    /// <returns>The logging builder.</returns>
    public static ILoggingBuilder AddWorkflowConsole(this ILoggingBuilder logging, IConfiguration configuration)
    {
        logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        if (string.IsNullOrEmpty(configuration["Logging:Console:FormatterName"]))
        {
            logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; o.IncludeScopes = true; });
        }

        return logging;
    }
}
