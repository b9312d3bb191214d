using Workflows.Abstractions.Actions;
using Workflows.Docker.Compose;

namespace Workflows.Docker.Tests.Compose;

/// <summary>Compose interpolation as <c>docker compose config</c> resolves it, from workflow values and a .env.</summary>
public sealed class ComposeInterpolationTests
{
    private static ComposeVariables Vars(params (string Name, string Value)[] values) =>
        new ComposeVariables().With(values.Select(v => KeyValuePair.Create(v.Name, v.Value)));

    [Theory]
    [InlineData("${TAG}", "1.2")]
    [InlineData("$TAG", "1.2")]
    [InlineData("app:$TAG-slim", "app:1.2-slim")]
    [InlineData("${TAG:-latest}", "1.2")]
    [InlineData("${UNSET:-latest}", "latest")]
    [InlineData("${EMPTY:-latest}", "latest")]
    [InlineData("${EMPTY-latest}", "")]
    [InlineData("${UNSET-latest}", "latest")]
    [InlineData("${TAG:?needed}", "1.2")]
    [InlineData("${EMPTY?needed}", "")]
    [InlineData("${TAG:+set}", "set")]
    [InlineData("${EMPTY:+set}", "")]
    [InlineData("${EMPTY+set}", "set")]
    [InlineData("${UNSET:-${TAG}}", "1.2")]
    [InlineData("${UNSET:-${ALSO_UNSET:-deep}}", "deep")]
    [InlineData("cost $$5 and $${TAG}", "cost $5 and ${TAG}")]
    [InlineData("no variables", "no variables")]
    public void Substitute_ResolvesLikeDockerCompose_ForEachForm(string text, string expected)
    {
        var vars = Vars(("TAG", "1.2"), ("EMPTY", ""));

        Assert.Equal(expected, vars.Substitute(text, "services.web.image", 3));
    }

    [Theory]
    [InlineData("${DB_PASSWORD:?set DB_PASSWORD in the env input}", "required variable DB_PASSWORD is missing a value: set DB_PASSWORD in the env input (services.db.environment.PASSWORD, line 7)")]
    [InlineData("${DB_PASSWORD?}", "required variable DB_PASSWORD is missing a value (services.db.environment.PASSWORD, line 7)")]
    [InlineData("${EMPTY:?must not be empty}", "required variable EMPTY is missing a value: must not be empty (services.db.environment.PASSWORD, line 7)")]
    public void Substitute_FailsNamingTheVariablePathAndLine_WhenARequiredVariableIsMissing(string text, string message)
    {
        var ex = Assert.Throws<StepFailedException>(() => Vars(("EMPTY", "")).Substitute(text, "services.db.environment.PASSWORD", 7));

        Assert.Equal("docker.compose.invalid", ex.ErrorCode);
        Assert.False(ex.Retryable);
        Assert.Equal(message, ex.Message);
    }

    [Theory]
    [InlineData("price: 5$", "a '$' is not followed by a variable name")]
    [InlineData("${TAG", "a '${' has no closing '}'")]
    [InlineData("${}", "'${}' does not start with a variable name")]
    [InlineData("${1X}", "'${1X}' does not start with a variable name")]
    [InlineData("${TAG/x/y}", "'${TAG/x/y}' uses an unknown modifier (use :-, -, :?, ?, :+ or +)")]
    public void Substitute_RefusesMalformedReferences_NamingPathAndLine(string text, string problem)
    {
        var ex = Assert.Throws<StepFailedException>(() => Vars(("TAG", "1")).Substitute(text, "services.web.command", 4));

        Assert.Equal($"invalid interpolation format for services.web.command on line 4: \"{text}\": {problem}. You may need to escape any $ with another $.", ex.Message);
    }

    [Fact]
    public void Parse_InterpolatesValuesButNotKeysOrComments_AndWarnsAboutUnsetVariables()
    {
        var file = ComposeParser.Parse(
            """
            services:
              web:
                # ${NOT_INTERPOLATED} in a comment
                image: "nginx:${TAG:-alpine}"
                command: ["sh", "-c", "echo $$HOME $GREETING"]
                environment:
                  MODE: ${MODE}
                  ${KEY_LOOKS_LIKE_A_VARIABLE}: kept
                deploy:
                  replicas: ${REPLICAS:-2}
            """,
            Vars(("GREETING", "hi"), ("REPLICAS", "3")));

        Assert.Empty(file.Errors);
        var web = file.Services["web"];
        Assert.Equal("nginx:alpine", web.Image);
        Assert.Equal(["sh", "-c", "echo $HOME hi"], web.Command);
        Assert.Equal(3, web.Replicas);
        Assert.Equal("", web.Environment["MODE"]);
        Assert.Equal("kept", web.Environment["${KEY_LOOKS_LIKE_A_VARIABLE}"]);
        Assert.Equal(["The \"MODE\" variable is not set. Defaulting to a blank string (services.web.environment.MODE, line 7)."], file.Warnings);
    }

    [Fact]
    public void Parse_FailsNamingTheVariableAndLine_WhenARequiredVariableHasNoValue()
    {
        var ex = Assert.Throws<StepFailedException>(() => ComposeParser.Parse(
            """
            services:
              db:
                image: postgres:16
                environment:
                  POSTGRES_PASSWORD: ${DB_PASSWORD:?give DB_PASSWORD}
            """));

        Assert.Equal("required variable DB_PASSWORD is missing a value: give DB_PASSWORD (services.db.environment.POSTGRES_PASSWORD, line 5)", ex.Message);
    }

    [Fact]
    public void ParseDotEnv_ReadsCommentsExportQuotesAndEscapes_LikeDockerCompose()
    {
        var values = ComposeVariables.ParseDotEnv(
            """
            # a comment
            TAG=1.25 # trailing comment

            export REGION=eu-west
            SINGLE='literal $HOME \n'
            DOUBLE="line1\nline2"
            MULTI="first
            second"
            EMPTY=
            URL=http://x/#anchor
            """,
            ".env");

        Assert.Equal(
            [("TAG", "1.25"), ("REGION", "eu-west"), ("SINGLE", "literal $HOME \\n"), ("DOUBLE", "line1\nline2"), ("MULTI", "first\nsecond"), ("EMPTY", ""), ("URL", "http://x/#anchor")],
            values.Select(v => (v.Key, v.Value)));
    }

    [Theory]
    [InlineData("1TAG=x", ".env line 2: '1TAG' is not a variable name (letters, digits and _, not starting with a digit)")]
    [InlineData("TAG=\"open", ".env line 2: the value of TAG has no closing \"")]
    [InlineData("TAG=\"a\" b", ".env line 2: unexpected 'b' after the closing quote of TAG")]
    public void ParseDotEnv_FailsNamingFileAndLine_WhenAnEntryIsMalformed(string line, string message)
    {
        var ex = Assert.Throws<StepFailedException>(() => ComposeVariables.ParseDotEnv("OK=1\n" + line + "\n", ".env"));

        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public void WorkflowValues_WinOverTheDotEnv()
    {
        var vars = new ComposeVariables().With([KeyValuePair.Create("TAG", "from-workflow")]).WithDefaults("TAG=from-dotenv\nOTHER=dotenv-only\n", ".env");

        Assert.Equal(("from-workflow", "dotenv-only"), (vars.Get("TAG"), vars.Get("OTHER")));
    }
}
