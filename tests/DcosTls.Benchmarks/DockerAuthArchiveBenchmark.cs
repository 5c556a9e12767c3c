using System.Security;
using DcosTls.Credentials;
using DcosTls.Files;

namespace DcosTls.Benchmarks;

/// <summary>
/// Building and writing docker.tar.gz in process (config.json, deterministic tar+gzip,
/// atomic 0600 write) vs the operator's `tar -czf docker.tar.gz .docker` on a prepared folder.
/// </summary>
public sealed class DockerAuthArchiveBenchmark : IBenchmark
{
    public string Name => "docker-archive";
    public string Description => "docker.tar.gz: in-process build + atomic write vs tar -czf (median)";

    public void Run(string[] args)
    {
        int rounds = args.Length > 0 ? int.Parse(args[0]) : 50;
        string tmp = Directory.CreateTempSubdirectory("dcostls-bench-").FullName;
        try
        {
            var password = new SecureString();
            foreach (char c in "benchmark-password") password.AppendChar(c);
            var credentials = Enumerable.Range(1, 3)
                .Select(i => new DockerRegistryCredential($"registry{i}.example:5000", "deployer", password.Copy(), "benchmark")).ToList();
            var writer = new StagedFileWriter(tmp, (_, _) => true);
            byte[] config = DockerConfigDocument.From(credentials).ToBytes();
            Directory.CreateDirectory(Path.Combine(tmp, "home", ".docker"));
            File.WriteAllBytes(Path.Combine(tmp, "home", ".docker", "config.json"), config);

            int n = 0;
            void Ours()
            {
                byte[] archive = DockerAuthArchiveBuilder.Build(DockerConfigDocument.From(credentials).ToBytes());
                writer.WriteBytes($"/ours-{n++}.tar.gz", archive, StagedFileWriter.PrivateFile);
            }
            double Tar() => Measure.Process("tar", "-C", Path.Combine(tmp, "home"), "-czf", Path.Combine(tmp, $"tar-{n++}.tar.gz"), ".docker");
            Ours();
            Tar();
            var us = new List<double>();
            var them = new List<double>();
            for (int i = 0; i < rounds; i++)
            {
                us.Add(Measure.Milliseconds(Ours));
                them.Add(Tar());
            }
            double a = Measure.Median(us), b = Measure.Median(them);
            Console.WriteLine($"docker.tar.gz (3 registries) in-process median {a,7:F2} ms   tar -czf median {b,7:F2} ms   ratio ours/tar {a / b:F3}x   ({rounds} rounds each)");
        }
        finally
        {
            Directory.Delete(tmp, true);
        }
    }
}
