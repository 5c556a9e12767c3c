using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace DcosTls.Tests.Peers;

/// <summary>
/// A one-layer OCI image layout on disk (oci:DIR:TAG for skopeo), so pushes need no network.
/// The layer is tar+gzip, so skopeo keeps its digest.
/// </summary>
public static class OciImage
{
    public static void Write(string directory, string tag, string fileName, string fileContent)
    {
        string blobs = Path.Combine(directory, "blobs", "sha256");
        Directory.CreateDirectory(blobs);

        var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, fileName)
            {
                DataStream = new MemoryStream(Encoding.UTF8.GetBytes(fileContent)),
                Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
                ModificationTime = new DateTimeOffset(2023, 11, 14, 22, 13, 20, TimeSpan.Zero),
            };
            writer.WriteEntry(entry);
        }
        byte[] layerTar = tar.ToArray();
        var gz = new MemoryStream();
        using (var gzip = new GZipStream(gz, CompressionLevel.Optimal, leaveOpen: true)) gzip.Write(layerTar);
        byte[] layer = gz.ToArray();

        byte[] config = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["architecture"] = "amd64",
            ["os"] = "linux",
            ["created"] = "2023-11-14T22:13:20Z",
            ["config"] = new JsonObject(),
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(Digest(layerTar)) },
        }.ToJsonString());
        byte[] manifest = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
            ["config"] = Descriptor("application/vnd.oci.image.config.v1+json", config),
            ["layers"] = new JsonArray(Descriptor("application/vnd.oci.image.layer.v1.tar+gzip", layer)),
        }.ToJsonString());
        foreach (var blob in new[] { layer, config, manifest })
            File.WriteAllBytes(Path.Combine(blobs, Digest(blob)["sha256:".Length..]), blob);

        var index = Descriptor("application/vnd.oci.image.manifest.v1+json", manifest);
        index["annotations"] = new JsonObject { ["org.opencontainers.image.ref.name"] = tag };
        File.WriteAllText(Path.Combine(directory, "index.json"), new JsonObject { ["schemaVersion"] = 2, ["manifests"] = new JsonArray(index) }.ToJsonString());
        File.WriteAllText(Path.Combine(directory, "oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    }

    private static string Digest(byte[] data) => "sha256:" + Convert.ToHexString(SHA256.HashData(data)).ToLowerInvariant();

    private static JsonObject Descriptor(string mediaType, byte[] data)
        => new() { ["mediaType"] = mediaType, ["digest"] = Digest(data), ["size"] = data.Length };
}
