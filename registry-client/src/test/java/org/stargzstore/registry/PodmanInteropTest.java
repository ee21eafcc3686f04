package org.stargzstore.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.stargzstore.registry.manifest.Descriptor;
import org.stargzstore.registry.manifest.ImageManifest;
import org.stargzstore.registry.manifest.ManifestJson;
import org.stargzstore.registry.manifest.MediaTypes;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.PodmanSandbox;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.testkit.TarCorpus;
import org.stargzstore.testkit.TempDirs;
import org.stargzstore.types.Digest;

/**
 * Interoperability with podman 4.3.1 through the real registry: images podman pushes (gzip and
 * zstd:chunked) are resolved and read, checked against podman's own config (diff IDs) and
 * annotations (the zstd:chunked manifest checksum, read with a range request at the position
 * podman recorded); and an image this client pushes is pulled and run by podman.
 */
@IntegrationTest
class PodmanInteropTest {
  @RegisterExtension
  static final RegistryServer REGISTRY = RegistryServer.builder().build();

  private static Path work;
  private static Path root;
  private static PodmanSandbox podman;
  private static RegistryClient client;

  @BeforeAll
  static void setUp() throws Exception {
    work = Files.createTempDirectory("srs-podman-interop-");
    root = Files.createDirectories(work.resolve("rootfs"));
    Files.createDirectories(root.resolve("bin"));
    Files.createDirectories(root.resolve("etc"));
    Files.copy(Path.of("/bin/busybox"), root.resolve("bin/busybox"));
    Files.setPosixFilePermissions(root.resolve("bin/busybox"),
        PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.createSymbolicLink(root.resolve("bin/sh"), Path.of("busybox"));
    Files.createSymbolicLink(root.resolve("bin/cat"), Path.of("busybox"));
    Files.writeString(root.resolve("etc/greeting"), "hello from stargz-registry-storage\n");
    podman = PodmanSandbox.builder().driver("vfs").insecure(List.of(REGISTRY.hostPort())).create();
    client = TestSetup.insecureClient(work.resolve("client"), REGISTRY.hostPort());
  }

  @AfterAll
  static void tearDown() {
    if (client != null) {
      client.close();
    }
    if (podman != null) {
      podman.close();
    }
    TempDirs.deleteRecursively(work);
  }

  /**
   * A rootfs tar (made by Python's tarfile, {@link TarCorpus}) with a file naming
   * {@code variant}, imported into podman as {@code localhost/srs-interop:VARIANT}. Distinct
   * content per test: podman would otherwise reuse a blob it pushed before, whatever compression
   * was asked for.
   */
  private static Path variant(String variant) throws Exception {
    Files.writeString(root.resolve("etc/variant"), variant + "\n");
    Path tar = work.resolve(variant + ".tar");
    TarCorpus.tree(tar, root);
    podman.ok("import", tar.toString(), "localhost/srs-interop:" + variant);
    return tar;
  }

  private static byte[] decompress(byte[] blob, String tool) throws Exception {
    Path f = work.resolve("blob-" + System.nanoTime());
    Files.write(f, blob);
    Process p = new ProcessBuilder(tool, "-dc", f.toString()).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertEquals(0, p.waitFor(), tool + " -dc failed");
    return out;
  }

  @Test
  void zstdChunkedPushedByPodmanIsResolvedAndRead() throws Exception {
    String ref = REGISTRY.hostPort() + "/podman/zstd:1";
    variant("zstd");
    podman.ok("push", "--tls-verify=false", "--compression-format", "zstd:chunked",
        "localhost/srs-interop:zstd", ref);
    ResolvedImage img = client.resolve(ImageReference.parse(ref));
    assertEquals(1, img.layers().size());
    Descriptor layer = img.layers().get(0);
    assertEquals(MediaTypes.OCI_LAYER_ZSTD, layer.mediaType());
    String checksum = layer.annotations().getOrDefault(
        "io.github.containers.zstd-chunked.manifest-checksum",
        layer.annotations().get("io.containers.zstd-chunked.manifest-checksum"));
    String position = layer.annotations().getOrDefault(
        "io.github.containers.zstd-chunked.manifest-position",
        layer.annotations().get("io.containers.zstd-chunked.manifest-position"));
    assertTrue(checksum != null && position != null, layer.annotations().toString());

    RegistryBlob blob = client.blob(img, layer);
    // the chunked manifest, read with one range request where podman said it is
    String[] pos = position.split(":");
    byte[] manifest = blob.read(Long.parseLong(pos[0]), Integer.parseInt(pos[1]));
    assertEquals(checksum, Digest.of(manifest).toString());
    // the whole layer: verified against its digest, and it decompresses to podman's diff ID
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    blob.copyTo(all);
    assertEquals(img.diffIds().get(0), Digest.of(decompress(all.toByteArray(), "zstd")));
  }

  @Test
  void gzipPushedByPodmanIsResolvedAndRead() throws Exception {
    String ref = REGISTRY.hostPort() + "/podman/gzip:1";
    variant("gzip");
    podman.ok("push", "--tls-verify=false", "localhost/srs-interop:gzip", ref);
    ResolvedImage img = client.resolve(ImageReference.parse(ref));
    Descriptor layer = img.layers().get(0);
    assertTrue(layer.mediaType().endsWith("gzip"), layer.mediaType());
    byte[] blob = client.blob(img, layer).readAllVerified(64 << 20);
    assertEquals(img.diffIds().get(0), Digest.of(decompress(blob, "gzip")));
  }

  @Test
  void imagePushedByThisClientIsPulledAndRunByPodman() throws Exception {
    byte[] tar = Files.readAllBytes(variant("ours"));
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (OutputStream out = new GZIPOutputStream(gz)) {
      out.write(tar);
    }
    ImageReference target = ImageReference.parse(REGISTRY.hostPort() + "/ours/busybox:1");
    BlobContent layer = BlobContent.ofBytes(gz.toByteArray());
    client.pushBlob(target, layer, PushOptions.chunked(256 << 10));
    byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":"
        + "[\"/bin/sh\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + Digest.of(tar)
        + "\"]}}").getBytes(StandardCharsets.UTF_8);
    BlobContent cfg = BlobContent.ofBytes(config);
    client.pushBlob(target, cfg, PushOptions.monolithic());
    ImageManifest m = new ImageManifest(MediaTypes.OCI_MANIFEST,
        new Descriptor(MediaTypes.OCI_CONFIG, cfg.digest(), cfg.size()),
        List.of(new Descriptor(MediaTypes.OCI_LAYER_GZIP, layer.digest(), layer.size())),
        Map.of());
    Digest pushed = client.pushManifest(target, ManifestJson.write(m), MediaTypes.OCI_MANIFEST);

    podman.ok("pull", "--tls-verify=false", target.toString());
    String digest = podman.ok("image", "inspect", "--format", "{{.Digest}}",
        target.toString()).trim();
    assertEquals(pushed.toString(), digest);
    String out = podman.run(target.toString(), "/bin/cat", "/etc/greeting").requireSuccess()
        .output();
    assertTrue(out.contains("hello from stargz-registry-storage"), out);
  }
}
