using Workflows.Abstractions.Actions;
using Workflows.Abstractions.Definitions;
using Workflows.Engine.Actions;
using Workflows.Engine.Definitions;
using Workflows.Engine.TestHost;

namespace Workflows.Engine.Tests.Definitions;

public class DefinitionParserTests
{
    private static readonly ActionDescriptor[] Actions =
    [
        new("test.record", typeof(RecordAction), typeof(RecordInputs), null),
        new("test.undo", typeof(UndoAction), typeof(UndoInputs), null),
        new("core.delay", typeof(DelayAction), typeof(DelayInputs), typeof(DelayOutputs)),
    ];

    private static ParseResult Parse(string yaml) => new DefinitionParser(Actions).Parse("workflows/x.yaml", yaml);

    [Fact]
    public void Parse_ReturnsDefinition_WhenFileUsesEveryFeature()
    {
        var r = Parse("""
            name: full
            description: Everything at once
            inputs:
              host: { type: string, required: true, pattern: "[a-z]+" }
              count: { type: int, default: 3 }
              net: { type: cidr, default: 10.0.0.0/24 }
              size: { type: enum, values: [small, large], default: small }
              password: { type: secret }
            concurrency: ${{ inputs.host }}
            onFailure: hold
            triggers:
              - schedule: { cron: "0 3 * * *", timezone: Europe/Berlin, overlap: skip }
            steps:
              - id: a
                uses: test.record
                with: { value: "${{ inputs.host }}" }
                retry: { attempts: 3, backoff: fixed, initialDelay: 2s, maxDelay: 1m, jitter: 0.1, nonRetryable: [bad] }
                timeout: 1h30m
                compensate:
                  uses: test.undo
                  with: { what: "${{ steps.a.outputs.value }}" }
              - id: wait
                needs: [a]
                if: ${{ inputs.count > 1 && inputs.size == 'small' }}
                uses: core.delay
                with: { duration: 5s }
              - id: b
                needs: [wait]
                uses: test.record
                with: { value: "${{ steps.wait.outputs.waitedUntil }}" }
            """);

        Assert.Empty(r.Errors);
        var d = r.Definition!;
        Assert.Equal("full", d.Name);
        Assert.Equal(FailurePolicy.Hold, d.OnFailure);
        Assert.Equal(InputType.Cidr, d.Inputs.Single(i => i.Name == "net").Type);
        Assert.Equal(3L, d.Inputs.Single(i => i.Name == "count").Default!.GetValue<long>());
        var a = d.FindStep("a")!;
        Assert.Equal(3, a.Retry.MaxAttempts);
        Assert.Equal(BackoffKind.Fixed, a.Retry.Backoff);
        Assert.Equal(TimeSpan.FromMinutes(90), a.Timeout);
        Assert.Equal("test.undo", a.Compensate!.Uses);
        Assert.Equal(["a"], d.FindStep("wait")!.Needs);
        Assert.Equal(12, d.Version.Length);
        Assert.Single(d.Triggers);
    }

    [Fact]
    public void Parse_ReportsLineColumnAndSuggestion_WhenFieldIsMisspelled()
    {
        var r = Parse("""
            name: typo
            steps:
              - id: a
                uses: test.record
                retyr: { attempts: 2 }
            """);

        var e = Assert.Single(r.Errors);
        Assert.Equal(5, e.Line);
        Assert.Equal(5, e.Column);
        Assert.Equal("steps[a].retyr", e.Field);
        Assert.Contains("did you mean 'retry'", e.Message, StringComparison.Ordinal);
        Assert.Null(r.Definition);
    }

    [Fact]
    public void Parse_ReportsPosition_WhenYamlIsMalformed()
    {
        var r = Parse("name: bad\nsteps:\n  - id: a\n    uses: [unclosed\n");
        var e = Assert.Single(r.Errors);
        Assert.Contains("YAML syntax", e.Message, StringComparison.Ordinal);
        Assert.True(e.Line >= 4, $"line {e.Line}");
    }

    [Fact]
    public void Parse_ReportsCycle_WhenNeedsLoop()
    {
        var r = Parse("""
            name: cycle
            steps:
              - { id: a, uses: test.record, needs: [c] }
              - { id: b, uses: test.record, needs: [a] }
              - { id: c, uses: test.record, needs: [b] }
            """);
        var e = Assert.Single(r.Errors);
        Assert.Contains("cycle", e.Message, StringComparison.Ordinal);
        Assert.Contains("a → ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ReportsUnknownAction_WithSuggestion()
    {
        var r = Parse("name: x\nsteps:\n  - id: a\n    uses: test.recrd\n");
        var e = Assert.Single(r.Errors);
        Assert.Equal("steps[a].uses", e.Field);
        Assert.Equal(4, e.Line);
        Assert.Contains("did you mean 'test.record'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ReportsOutputReference_WhenStepIsNotANeed()
    {
        var r = Parse("""
            name: refs
            steps:
              - { id: a, uses: test.record }
              - id: b
                uses: test.record
                with: { value: "${{ steps.a.outputs.value }}" }
            """);
        var e = Assert.Single(r.Errors);
        Assert.Equal("steps[b].with.value", e.Field);
        Assert.Contains("not in this step's needs", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ReportsUnknownOutput_WhenActionDeclaresItsOutputs()
    {
        var r = Parse("""
            name: outs
            steps:
              - { id: w, uses: core.delay, with: { duration: 1s } }
              - { id: b, uses: test.record, needs: [w], with: { value: "${{ steps.w.outputs.nope }}" } }
            """);
        Assert.Contains(r.Errors, e => e.Message.Contains("has no output 'nope'", StringComparison.Ordinal) && e.Message.Contains("waitedUntil", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_ReportsUnknownInputAndBadExpression()
    {
        var r = Parse("""
            name: exprs
            inputs: { host: string }
            steps:
              - id: a
                uses: test.record
                with: { value: "${{ inputs.hots }}", failCode: "${{ inputs.host == }}" }
            """);
        Assert.Contains(r.Errors, e => e.Field == "steps[a].with.value" && e.Message.Contains("did you mean 'host'", StringComparison.Ordinal));
        Assert.Contains(r.Errors, e => e.Field == "steps[a].with.failCode" && e.Message.Contains("expression error", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_ReportsActionInputProblems_WhenWithDoesNotFitTheAction()
    {
        var r = Parse("name: w\nsteps:\n  - id: a\n    uses: core.delay\n    with: { duraton: 5s }\n");
        Assert.Contains(r.Errors, e => e.Field == "steps[a].with.duraton" && e.Message.Contains("did you mean 'duration'", StringComparison.Ordinal));
        Assert.Contains(r.Errors, e => e.Field == "steps[a].with.duration" && e.Message.Contains("is required", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("count: { type: int, default: abc }", "inputs.count.default", "not a whole number")]
    [InlineData("net: { type: cidr, default: 10.0.0.1/24 }", "inputs.net.default", "host bits")]
    [InlineData("size: { type: enum }", "inputs.size.values", "non-empty list")]
    [InlineData("x: { type: float }", "inputs.x.type", "unknown type 'float'")]
    [InlineData("pw: { type: secret, default: hunter2 }", "inputs.pw.default", "cannot have a default")]
    public void Parse_ReportsInputDefinitionErrors(string input, string field, string message)
    {
        var r = Parse($"name: in\ninputs:\n  {input}\nsteps:\n  - {{ id: a, uses: test.record }}\n");
        Assert.Contains(r.Errors, e => e.Field == field && e.Message.Contains(message, StringComparison.Ordinal) && e.Line == 3);
    }

    [Fact]
    public void Parse_KeepsPatternHint_WhenInputHasAPattern()
    {
        var r = Parse("name: ph\ninputs:\n  host: { type: string, pattern: \"[a-z]+\", patternHint: lowercase letters only }\nsteps:\n  - { id: a, uses: test.record }\n");

        Assert.Empty(r.Errors);
        Assert.Equal("lowercase letters only", r.Definition!.Inputs[0].PatternHint);
    }

    [Fact]
    public void Parse_ReportsPatternHintWithoutPattern_NamingTheFieldWithLineAndColumn()
    {
        var r = Parse("name: ph\ninputs:\n  host: { type: string, patternHint: lowercase letters only }\nsteps:\n  - { id: a, uses: test.record }\n");

        var e = Assert.Single(r.Errors);
        Assert.Equal(("inputs.host.patternHint", 3, 38), (e.Field, e.Line, e.Column));
        Assert.Contains("no pattern", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ReportsDefaultThatMissesThePattern_InTheHintsWords()
    {
        var r = Parse("name: ph\ninputs:\n  host: { type: string, pattern: \"[a-z]+\", patternHint: lowercase letters only, default: Web1 }\nsteps:\n  - { id: a, uses: test.record }\n");

        var e = Assert.Single(r.Errors);
        Assert.Equal("inputs.host.default", e.Field);
        Assert.Equal("'Web1' is not valid: expected lowercase letters only", e.Message);
    }

    [Theory]
    [InlineData("timeout: 5 minutes", "steps[a].timeout", "not a duration")]
    [InlineData("retry: { attempts: 0 }", "steps[a].retry.attempts", "between 1 and 100")]
    [InlineData("retry: { backoff: linear }", "steps[a].retry.backoff", "fixed or exponential")]
    [InlineData("retry: { jitter: 2 }", "steps[a].retry.jitter", "from 0 to 1")]
    [InlineData("retry: { initialDelay: 1m, maxDelay: 1s }", "steps[a].retry.maxDelay", "not be shorter")]
    [InlineData("needs: [ghost]", "steps[a].needs", "unknown step 'ghost'")]
    public void Parse_ReportsStepErrors(string extra, string field, string message)
    {
        var r = Parse($"name: st\nsteps:\n  - id: a\n    uses: test.record\n    {extra}\n");
        Assert.Contains(r.Errors, e => e.Field == field && e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_ReportsDuplicateIdsAndMissingFields()
    {
        var r = Parse("name: Bad Name\nsteps:\n  - { id: a, uses: test.record }\n  - { id: a, uses: test.record }\n  - { id: c }\n");
        Assert.Contains(r.Errors, e => e.Field == "name" && e.Message.Contains("not a valid workflow name", StringComparison.Ordinal));
        Assert.Contains(r.Errors, e => e.Message.Contains("duplicate step id 'a'", StringComparison.Ordinal) && e.Line == 4);
        Assert.Contains(r.Errors, e => e.Field == "steps[c].uses" && e.Message == "is required");
    }

    [Fact]
    public void Parse_ReportsBadCronAndTimeZone()
    {
        var r = Parse("name: s\ntriggers:\n  - schedule: { cron: \"61 * * * *\", timezone: Mars/Olympus }\nsteps:\n  - { id: a, uses: test.record }\n");
        Assert.Contains(r.Errors, e => e.Field == "triggers[0].schedule.cron");
        Assert.Contains(r.Errors, e => e.Field == "triggers[0].schedule.timezone" && e.Message.Contains("Mars/Olympus", StringComparison.Ordinal));
    }

    [Fact]
    public void VersionOf_ChangesWithContent()
    {
        Assert.Equal(DefinitionParser.VersionOf("a"), DefinitionParser.VersionOf("a"));
        Assert.NotEqual(DefinitionParser.VersionOf("a"), DefinitionParser.VersionOf("b"));
    }

    [Fact]
    public void Parse_ReadsPoll_AsAScheduleOrAFixedInterval_FillingGapsFromTheActionsDefault()
    {
        var r = new DefinitionParser([.. Actions, new ActionDescriptor("test.poll", typeof(PollAction), typeof(PollInputs), null, null, new PollSchedule(TimeSpan.FromSeconds(5), 1.5, TimeSpan.FromSeconds(15)))]).Parse("workflows/p.yaml", """
            name: p
            steps:
              - id: a
                uses: test.record
                poll: { initial: 2s, factor: 1.5, max: 20s }
                compensate: { uses: test.undo, poll: 3s }
              - id: b
                uses: test.record
                poll: { max: 5s }
              - id: c
                uses: test.poll
                poll: { max: 1m }
              - id: d
                uses: test.poll
                poll: { max: 2s }
              - id: e
                uses: test.record
            """);

        Assert.Empty(r.Errors);
        var steps = r.Definition!.Steps;
        Assert.Equal(new PollSchedule(TimeSpan.FromSeconds(2), 1.5, TimeSpan.FromSeconds(20)), steps[0].Poll);
        Assert.Equal(new PollSchedule(TimeSpan.FromSeconds(3), 1, TimeSpan.FromSeconds(3)), steps[0].Compensate!.Poll);
        Assert.Equal(new PollSchedule(TimeSpan.FromSeconds(1), 2, TimeSpan.FromSeconds(5)), steps[1].Poll); // the engine's default, capped
        Assert.Equal(new PollSchedule(TimeSpan.FromSeconds(5), 1.5, TimeSpan.FromMinutes(1)), steps[2].Poll); // the action's default, capped
        Assert.Equal(new PollSchedule(TimeSpan.FromSeconds(2), 1.5, TimeSpan.FromSeconds(2)), steps[3].Poll); // a cap below the action's start
        Assert.Null(steps[4].Poll);
    }

    [Theory]
    [InlineData("{ initial: 1s, factor: 0.5 }", "steps[a].poll.factor", "from 1 to 10")]
    [InlineData("{ initial: 1s, factor: fast }", "steps[a].poll.factor", "from 1 to 10")]
    [InlineData("{ initial: 10s, max: 5s }", "steps[a].poll.max", "not be shorter than initial")]
    [InlineData("{ initial: soon }", "steps[a].poll.initial", "'soon' is not a duration")]
    [InlineData("{ every: 1s }", "steps[a].poll.every", "unknown field 'every'")]
    [InlineData("0s", "steps[a].poll", "must be positive")]
    [InlineData("often", "steps[a].poll", "'often' is not a duration")]
    [InlineData("[1s, 2s]", "steps[a].poll", "a mapping with initial, factor and max")]
    public void Parse_ReportsABadPoll_NamingTheFieldAndTheProblem(string poll, string field, string problem)
    {
        var r = Parse($"""
            name: p
            steps:
              - id: a
                uses: test.record
                poll: {poll}
            """);

        Assert.Null(r.Definition);
        var e = Assert.Single(r.Errors);
        Assert.Equal(field, e.Field);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
        Assert.Equal(5, e.Line);
    }

    [Fact]
    public void Parse_ReadsRequires_AsNamesWithTheirValueTemplates()
    {
        var r = Parse("""
            name: needs-docker
            inputs:
              dockerHost: { type: string, default: "" }
            requires: { docker: "${{ inputs.dockerHost }}", gpu: "" }
            steps:
              - id: a
                uses: test.record
            """);

        Assert.Empty(r.Errors);
        Assert.Equal(new Dictionary<string, string> { ["docker"] = "${{ inputs.dockerHost }}", ["gpu"] = "" }, r.Definition!.Requires);
    }

    [Theory]
    [InlineData("requires: [docker]", "requires", "must be a mapping of requirement name to a value")]
    [InlineData("requires: { docker: [a] }", "requires.docker", "must be a text or an expression")]
    [InlineData("requires: { docker: \"${{ inputs. }}\" }", "requires.docker", "expression error")]
    public void Parse_ReportsTheField_WhenRequiresIsMalformed(string line, string field, string message)
    {
        var r = Parse($"name: bad-requires\n{line}\nsteps:\n  - id: a\n    uses: test.record\n");

        var e = Assert.Single(r.Errors);
        Assert.Equal((field, 2), (e.Field, e.Line));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ReadsPermissions_AsTheGroupsThatMayRunIt()
    {
        var r = Parse("""
            name: install-devstack
            permissions:
              run: [platform-admins, sre]
            steps:
              - id: a
                uses: test.record
            """);

        Assert.Empty(r.Errors);
        Assert.Equal(["platform-admins", "sre"], r.Definition!.Permissions.Run);
    }

    [Fact]
    public void Parse_LeavesEveryOperatorAllowed_WithoutPermissions()
    {
        var r = Parse("name: open\nsteps:\n  - id: a\n    uses: test.record\n");

        Assert.Same(WorkflowPermissions.None, r.Definition!.Permissions);
    }

    [Theory]
    [InlineData("permissions: [platform-admins]", "permissions", "must be a mapping, e.g. permissions: { run: [platform-admins] }", 2, 14)]
    [InlineData("permissions: { run: [] }", "permissions.run", "must name at least one group", 2, 21)]
    [InlineData("permissions: { run: [{ a: b }] }", "permissions.run", "must be a list of names", 2, 22)]
    [InlineData("permissions: { start: [a] }", "permissions.start", "unknown field 'start'", 2, 16)]
    public void Parse_ReportsTheFieldLineAndColumn_WhenPermissionsAreMalformed(string line, string field, string message, int lineNo, int column)
    {
        var r = Parse($"name: bad-permissions\n{line}\nsteps:\n  - id: a\n    uses: test.record\n");

        var e = Assert.Single(r.Errors);
        Assert.Equal((field, lineNo, column), (e.Field, e.Line, e.Column));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }
}
