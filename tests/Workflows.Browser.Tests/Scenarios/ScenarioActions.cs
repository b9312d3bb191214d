using System.Globalization;
using System.Runtime.Loader;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Abstractions.Actions;

[assembly: HostingStartup(typeof(Workflows.Browser.Tests.Scenarios.ScenarioActions))]

namespace Workflows.Browser.Tests.Scenarios
{
    /// <summary>
    /// Test-only actions the browser fixture's server registers (never shipped: they live in this test assembly, which the
    /// server loads as a hosting startup assembly, see <see cref="Enable"/>), for scenarios no shipped action can stage.
    /// </summary>
    public sealed class ScenarioActions : IHostingStartup
    {
        /// <summary>The name of <see cref="LogLinesAction"/> in <c>uses:</c>.</summary>
        public const string LogLines = "test.log-lines";

        /// <summary>
        /// The environment that makes a server started from this folder register these actions: the startup hook (this
        /// assembly, which lets the server resolve the assemblies of this folder that its deps.json does not list) and
        /// this assembly as a hosting startup assembly.
        /// </summary>
        public static IReadOnlyDictionary<string, string> Enable { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["DOTNET_STARTUP_HOOKS"] = typeof(ScenarioActions).Assembly.Location,
            ["ASPNETCORE_HOSTINGSTARTUPASSEMBLIES"] = typeof(ScenarioActions).Assembly.GetName().Name!,
        };

        /// <inheritdoc />
        public void Configure(IWebHostBuilder builder) =>
            builder.ConfigureServices(services => services.AddWorkflowAction<LogLinesAction>(LogLines, "Test only: writes many numbered log lines"));
    }

    /// <summary>Inputs of <c>test.log-lines</c>.</summary>
    public sealed class LogLinesInputs
    {
        /// <summary>Gets or sets how many lines to write.</summary>
        public required int Count { get; set; }
    }

    /// <summary>Outputs of <c>test.log-lines</c>.</summary>
    /// <param name="Written">How many lines were written.</param>
    public sealed record LogLinesOutputs(int Written);

    /// <summary>
    /// <c>test.log-lines</c>: writes <c>line 00001 of N: …</c> to <c>line N of N: …</c> (each line's number is its
    /// unique text) and completes. Idempotent in effect: a second execution writes the same lines again.
    /// </summary>
    public sealed class LogLinesAction : StepAction<LogLinesInputs, LogLinesOutputs>
    {
        /// <summary>Returns the text of line <paramref name="number"/> (1-based) of <paramref name="count"/>.</summary>
        public static string Line(int number, int count) =>
            string.Create(CultureInfo.InvariantCulture, $"line {number:D5} of {count}: the quick brown fox jumps over the lazy dog");

        /// <inheritdoc />
        protected override Task<StepResult> ExecuteAsync(LogLinesInputs inputs, StepContext context)
        {
            if (inputs.Count is < 1 or > 1_000_000)
            {
                throw new StepFailedException("inputs.invalid", "with.count: between 1 and 1,000,000", retryable: false);
            }

            for (var i = 1; i <= inputs.Count; i++)
            {
                context.Log.WriteLine(Line(i, inputs.Count));
            }

            return Task.FromResult<StepResult>(Completed(new LogLinesOutputs(inputs.Count)));
        }
    }
}

/// <summary>
/// The startup hook (<c>DOTNET_STARTUP_HOOKS</c>) of the fixture's server: resolves an assembly of the server's folder
/// that its deps.json does not list (this test assembly, the hosting startup of <see cref="Workflows.Browser.Tests.Scenarios.ScenarioActions"/>).
/// </summary>
#pragma warning disable CA1050 // the runtime finds a startup hook by this exact name, outside any namespace
internal static class StartupHook
#pragma warning restore CA1050
{
    /// <summary>Called by the runtime before the server's Main.</summary>
    public static void Initialize()
    {
        var folder = Path.GetDirectoryName(typeof(StartupHook).Assembly.Location)!;
        AssemblyLoadContext.Default.Resolving += (context, name) =>
        {
            var path = Path.Combine(folder, name.Name + ".dll");
            return File.Exists(path) ? context.LoadFromAssemblyPath(path) : null;
        };
    }
}
