using System.Text;

namespace Workflows.OpenStack.ContainerInfra;

/// <summary>Assembles a kubeconfig for a Magnum Kubernetes cluster, as <c>openstack coe cluster config</c> writes it.</summary>
public static class Kubeconfig
{
    /// <summary>Returns the kubeconfig YAML (it holds the client key: treat it as a secret).</summary>
    public static string Build(string clusterName, string apiAddress, ClusterTlsCredentials credentials, string user = "admin")
    {
        const string Empty = "{}";
        static string B64(string pem) => Convert.ToBase64String(Encoding.UTF8.GetBytes(pem));
        return $"""
            apiVersion: v1
            clusters:
            - cluster:
                certificate-authority-data: {B64(credentials.CaCertificatePem)}
                server: {apiAddress}
              name: {clusterName}
            contexts:
            - context:
                cluster: {clusterName}
                user: {user}
              name: {clusterName}
            current-context: {clusterName}
            kind: Config
            preferences: {Empty}
            users:
            - name: {user}
              user:
                client-certificate-data: {B64(credentials.ClientCertificatePem)}
                client-key-data: {B64(credentials.ClientKeyPem.Reveal())}

            """;
    }
}
