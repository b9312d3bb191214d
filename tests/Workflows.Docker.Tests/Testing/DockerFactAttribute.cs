namespace Workflows.Docker.Tests.Testing;

/// <summary>
/// A fact that needs the test dockerd. It is skipped only when WORKFLOWS_TEST_DOCKER_HOST is absent
/// and WORKFLOWS_TEST_ALLOW_SKIP=1; otherwise a missing engine fails the test with instructions.
/// </summary>
public sealed class DockerFactAttribute : FactAttribute
{
    public DockerFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(DockerFixture.Variable))
            && Environment.GetEnvironmentVariable("WORKFLOWS_TEST_ALLOW_SKIP") == "1")
        {
            Skip = $"{DockerFixture.Variable} is not set (run 'bash .ci/services/docker.sh start'); skipping allowed by WORKFLOWS_TEST_ALLOW_SKIP=1.";
        }
    }
}
