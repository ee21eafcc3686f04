package org.stargzstore.zstdchunked.writer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.estargz.writer.EstargzWriter;
import org.stargzstore.estargz.writer.LayerWriteResult;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.PodmanSandbox;
import org.stargzstore.testkit.ImagePush;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.testkit.TarCorpus;
import org.stargzstore.testkit.TarMembers;

/**
 * Layers written by this project, pushed to a real registry and pulled by podman 4.3.1
 * (containers/storage 1.43) into an isolated store: podman accepts each format, computes the
 * diffID we reported, and a container sees the right bytes. With the overlay driver and partial
 * pulls enabled, containers/storage builds the layer from our zstd:chunked manifest alone, and
 * chunks files exactly as its own writer does.
 */
@IntegrationTest
class PodmanPullTest {
  @RegisterExtension
  static final RegistryServer REGISTRY = RegistryServer.builder().build();

  @TempDir
  static Path dir;
  static Path edge;
  static ImagePush.Layer base;
  static PodmanSandbox vfs;

  @BeforeAll
  static void setUp() throws IOException {
    edge = TarCorpus.edge(dir.resolve("edge.tar"));
    // A base layer with a static busybox, so that containers can run cat and sha256sum.
    Path rootfs = Files.createDirectories(dir.resolve("rootfs/bin"));
    Files.copy(Path.of("/bin/busybox"), rootfs.resolve("busybox"));
    for (String applet : List.of("sh", "cat", "sha256sum")) {
      Files.createSymbolicLink(rootfs.resolve(applet), Path.of("busybox"));
    }
    Path baseTar = TarCorpus.tree(dir.resolve("base.tar"), rootfs.getParent());
    Path baseBlob = dir.resolve("base.tar.gz");
    try (InputStream in = Files.newInputStream(baseTar);
        OutputStream out = new GZIPOutputStream(Files.newOutputStream(baseBlob))) {
      in.transferTo(out);
    }
    base = new ImagePush.Layer(baseBlob, LayerWriteResult.MEDIA_TYPE_GZIP, Map.of(),
        ZstdTestSupport.sha256(baseTar));
    vfs = PodmanSandbox.builder().dir(dir.resolve("podman-vfs")).driver("vfs").create();
  }

  @AfterAll
  static void tearDown() throws IOException {
    if (vfs != null) {
      vfs.close();
    }
  }

  @Test
  void pullsAndRunsContainersStorageZstdChunked() throws Exception {
    Path blob = dir.resolve("edge.zcs");
    LayerWriteResult r;
    try (InputStream in = Files.newInputStream(edge); OutputStream out = Files.newOutputStream(blob)) {
      r = ContainersStorageWriter.builder().build().write(in, edge.toString(), out);
    }
    checkPullAndRun("zstd-chunked", blob, r);
  }

  @Test
  void pullsAndRunsEstargz() throws Exception {
    Path blob = dir.resolve("edge.esgz");
    LayerWriteResult r;
    try (OutputStream out = Files.newOutputStream(blob)) {
      r = EstargzWriter.builder().prioritizedFiles(List.of("opaque/kept")).build()
          .write(edge, out);
    }
    checkPullAndRun("estargz", blob, r);
  }

  @Test
  void pullsAndRunsStargzZstdChunked() throws Exception {
    Path blob = dir.resolve("edge.zst");
    LayerWriteResult r;
    try (OutputStream out = Files.newOutputStream(blob)) {
      r = ZstdStargzWriter.builder().chunkSize(65536).build().write(edge, out);
    }
    checkPullAndRun("zstd-stargz", blob, r);
  }

  private void checkPullAndRun(String repo, Path blob, LayerWriteResult r) throws Exception {
    String ref = push(repo, blob, r);
    vfs.ok("pull", "--quiet", "--tls-verify=false", ref);
    assertEquals("[" + base.diffId() + " " + r.diffId() + "]",
        vfs.ok("image", "inspect", "--format", "{{.RootFS.Layers}}", ref).trim());
    // (not /etc/hostname: podman mounts its own over it)
    assertEquals("kept in opaque dir\n",
        vfs.run(ref, "cat", "/opaque/kept").requireSuccess().output());
    Map<String, String> want = new LinkedHashMap<>();
    for (TarMembers.Entry e : TarMembers.of(edge)) {
      if (e.type() == '-' && (e.name().startsWith("bin/rand-") || e.name().startsWith("unicode/")
          || e.name().equals("bin/zeros-5M") || e.name().equals("xattr/file"))) {
        want.put("/" + e.name(), e.contentSha256());
      }
    }
    List<String> cmd = new ArrayList<>(List.of("sha256sum"));
    cmd.addAll(want.keySet());
    Map<String, String> got = new LinkedHashMap<>();
    String listing = vfs.run(ref, cmd.toArray(String[]::new)).requireSuccess().output();
    for (String line : listing.split("\n")) {
      String[] parts = line.split(" {2}", 2);
      got.put(parts[1], parts[0]);
    }
    assertEquals(want, got);
  }

  /**
   * podman's partial pull (overlay, {@code enable_partial_images}) reads our manifest and fetches
   * chunks by range; the files it assembles must be the input's. The same tar pushed by podman
   * itself must be cut into the same chunks, holes included (real binaries have many).
   */
  @Test
  void partialPullBuildsTheLayerFromOurManifestAndChunksLikePodman() throws Exception {
    Path src = Files.createDirectories(dir.resolve("tools"));
    Path goTools = Path.of("/usr/lib/go-1.19/pkg/tool/linux_amd64");
    for (String t : List.of("asm", "cgo", "buildid", "pack")) {
      if (Files.exists(goTools.resolve(t))) {
        Files.copy(goTools.resolve(t), src.resolve(t));
      }
    }
    Files.copy(Path.of("/bin/busybox"), src.resolve("busybox"));
    Files.copy(edge, src.resolve("edge.tar"));
    Path tar = withoutTrailingPadding(TarCorpus.tree(dir.resolve("tools.tar"), src));
    Path blob = dir.resolve("tools.zcs");
    LayerWriteResult r;
    try (InputStream in = Files.newInputStream(tar); OutputStream out = Files.newOutputStream(blob)) {
      r = ContainersStorageWriter.builder().build().write(in, tar.toString(), out);
    }
    String ref = REGISTRY.hostPort() + "/tools:ours";
    new ImagePush(REGISTRY.baseUri()).push("tools", "ours", List.of(new ImagePush.Layer(blob,
        r.mediaType(), r.annotations(), r.diffId().toString())), List.of("/busybox", "sh"));

    try (PodmanSandbox overlay = PodmanSandbox.builder().dir(dir.resolve("podman-overlay"))
        .partialPulls(true).create()) {
      var pull = overlay.podman("--log-level=debug", "pull", "--tls-verify=false", ref);
      assumeTrue(pull.exitCode() == 0 || !pull.output().contains("overlay"),
          "overlay storage is not available here: " + pull.output());
      assertEquals(0, pull.exitCode(), pull.output());
      assertTrue(pull.output().contains("Retrieved partial blob"),
          "containers/storage took the partial-pull path:\n" + pull.output());
      String mount = overlay.ok("image", "mount", ref).trim();
      for (TarMembers.Entry e : TarMembers.of(tar)) {
        if (e.type() == '-') {
          assertEquals(e.contentSha256(), ZstdTestSupport.sha256(Path.of(mount, e.name()))
              .substring("sha256:".length()), e.name());
        }
      }
      overlay.ok("image", "unmount", ref);

      // podman's own zstd:chunked of the same tar: same chunks for every file.
      overlay.ok("import", "--quiet", tar.toString(), "localhost/tools:src");
      String podmanRef = REGISTRY.hostPort() + "/tools:podman";
      overlay.ok("push", "--quiet", "--tls-verify=false", "--compression-format", "zstd:chunked",
          "localhost/tools:src", "docker://" + podmanRef);
      Map<String, List<List<Object>>> theirs = chunksOf(podmanManifest("tools", "podman"));
      Map<String, List<List<Object>>> ours = chunksOf(ContainersStorageWriterTest.entries(
          ContainersStorageWriterTest.manifestOf(blob, true)));
      assertEquals(theirs, ours);
      long holes = ours.values().stream().flatMap(List::stream)
          .filter(c -> "zeros".equals(c.get(3))).count();
      assertTrue(holes > 0, "binaries give zero-run chunks to compare");
    }
  }

  /**
   * The tar up to its end-of-archive marker. podman 4.3.1's own zstd:chunked writer stops reading
   * at the marker and, depending on timing, fails with "short write" when the tar goes on with
   * record padding (as Python's tarfile writes); the comparison needs podman to succeed.
   */
  private static Path withoutTrailingPadding(Path tar) throws IOException {
    org.stargzstore.estargz.writer.TarStreamReader r =
        new org.stargzstore.estargz.writer.TarStreamReader(
            new java.io.BufferedInputStream(Files.newInputStream(tar)), tar.toString());
    while (r.next() != null) {
      // skip to the end marker
    }
    Path out = dir.resolve("trimmed-" + tar.getFileName());
    try (InputStream in = Files.newInputStream(tar); OutputStream o = Files.newOutputStream(out)) {
      o.write(in.readNBytes((int) r.position()));
    }
    return out;
  }

  private String push(String repo, Path blob, LayerWriteResult r) throws Exception {
    new ImagePush(REGISTRY.baseUri()).push(repo, "latest", List.of(base,
        new ImagePush.Layer(blob, r.mediaType(), r.annotations(), r.diffId().toString())),
        List.of("/bin/sh"));
    return REGISTRY.hostPort() + "/" + repo + ":latest";
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> podmanManifest(String repo, String tag)
      throws Exception {
    var http = java.net.http.HttpClient.newHttpClient();
    var get = java.net.http.HttpRequest.newBuilder(REGISTRY.baseUri().resolve(
        "/v2/" + repo + "/manifests/" + tag))
        .header("Accept", "application/vnd.oci.image.manifest.v1+json").build();
    Map<String, Object> m = ZstdTestSupport.json(http.send(get,
        java.net.http.HttpResponse.BodyHandlers.ofByteArray()).body());
    Map<String, Object> layer = ((List<Map<String, Object>>) m.get("layers")).get(0);
    Map<String, String> a = (Map<String, String>) layer.get("annotations");
    String[] pos = a.get("io.containers.zstd-chunked.manifest-position").split(":");
    long off = Long.parseLong(pos[0]);
    long len = Long.parseLong(pos[1]);
    var range = java.net.http.HttpRequest.newBuilder(REGISTRY.baseUri().resolve(
        "/v2/" + repo + "/blobs/" + layer.get("digest")))
        .header("Range", "bytes=" + off + "-" + (off + len - 1)).build();
    byte[] frame = http.send(range, java.net.http.HttpResponse.BodyHandlers.ofByteArray()).body();
    return ContainersStorageWriterTest.entries(ZstdTestSupport.json(ZstdTestSupport.unzstd(frame)));
  }

  /** File name (without {@code ./}) to its chunks: offset in file, size, digest, type. */
  private static Map<String, List<List<Object>>> chunksOf(List<Map<String, Object>> entries) {
    Map<String, List<List<Object>>> out = new LinkedHashMap<>();
    String current = null;
    for (Map<String, Object> e : entries) {
      if ("reg".equals(e.get("type"))) {
        current = String.valueOf(e.get("name")).replaceFirst("^\\./", "");
        out.put(current, new ArrayList<>());
      } else if (!"chunk".equals(e.get("type"))) {
        continue;
      }
      Object size = e.containsKey("chunkSize") ? e.get("chunkSize") : e.getOrDefault("size", 0);
      Object digest = e.containsKey("chunkDigest") ? e.get("chunkDigest") : e.get("digest");
      out.get(current).add(List.of(((Number) e.getOrDefault("chunkOffset", 0)).longValue(),
          ((Number) size).longValue(), String.valueOf(digest), e.getOrDefault("chunkType", "")));
    }
    return out;
  }
}
