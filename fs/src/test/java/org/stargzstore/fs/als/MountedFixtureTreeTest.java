package org.stargzstore.fs.als;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.stargzstore.estargz.writer.EstargzWriter;
import org.stargzstore.estargz.writer.LayerWriteResult;
import org.stargzstore.fs.fetch.FetchPolicy;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.Shared;
import org.stargzstore.testkit.TreeSnapshot;
import org.stargzstore.types.Digest;
import org.stargzstore.zstdchunked.writer.ZstdStargzWriter;

/**
 * The three fixture layers (eStargz and zstd:chunked stargz flavour by the reference Go
 * implementation, zstd:chunked by podman 4.3.1) and the same tar written by our own writers,
 * mounted through FUSE, give the same tree as GNU tar extracting the decompressed blob (what a
 * full pull extracts), converted to overlay form: names, types, modes (setuid too), owners,
 * sizes, mtimes, link targets, device numbers, xattrs, bytes and hardlink sharing. That includes
 * the entries the stargz producers add to the tar: eStargz's {@code stargz.index.json} and the
 * {@code .prefetch.landmark} / {@code .no.prefetch.landmark}.
 */
@IntegrationTest
class MountedFixtureTreeTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path tmp;
  static StoreHarness harness;
  static Path mnt;

  static String ref(String flavour) {
    return "fixtures.test/edge/" + flavour + ":1";
  }

  /** Layers our own writers make of the fixtures' input, edge.tar. */
  static final List<String> OURS = List.of("ours-estargz", "ours-zstd-stargz");

  @BeforeAll
  static void mount() throws IOException {
    LocalBlobsImageSource src = new LocalBlobsImageSource();
    writeOurs();
    for (String f : List.of("estargz", "zstd-stargz", "zstd-podman", "ours-estargz",
        "ours-zstd-stargz")) {
      src.add(ref(f), List.of(blob(f)), List.of(descriptorFile(f)));
    }
    harness = new StoreHarness(tmp.resolve("root"), src,
        LayerStoreConfig.defaults().withFetch(FetchPolicy.onDemandOnly()));
    mnt = harness.mount(tmp.resolve("mnt"));
  }

  @AfterAll
  static void unmount() {
    if (harness != null) {
      harness.close();
    }
  }

  /**
   * edge.tar by our eStargz writer (prioritized files, so with a {@code .prefetch.landmark})
   * and by our zstd:chunked stargz-flavour writer (none, so a {@code .no.prefetch.landmark}).
   */
  private static void writeOurs() throws IOException {
    Path tar = Shared.fixture("edge.tar");
    LayerWriteResult gz;
    try (OutputStream out = Files.newOutputStream(blob("ours-estargz"))) {
      gz = EstargzWriter.builder().chunkSize(65536)
          .prioritizedFiles(List.of("etc/hostname", "bin/rand-4096")).build().write(tar, out);
    }
    Files.writeString(descriptorFile("ours-estargz"), gz.toJson());
    LayerWriteResult zst;
    try (OutputStream out = Files.newOutputStream(blob("ours-zstd-stargz"))) {
      zst = ZstdStargzWriter.builder().chunkSize(65536).build().write(tar, out);
    }
    Files.writeString(descriptorFile("ours-zstd-stargz"), zst.toJson());
  }

  static Path blob(String flavour) {
    return OURS.contains(flavour) ? tmp.resolve(flavour + ".blob")
        : Shared.fixture("edge." + flavour + ".blob");
  }

  static Path descriptorFile(String flavour) {
    return OURS.contains(flavour) ? tmp.resolve(flavour + ".json")
        : Shared.fixture("edge." + flavour + ".json");
  }

  static JsonNode descriptor(String flavour) throws IOException {
    return JSON.readTree(Files.readAllBytes(descriptorFile(flavour)));
  }

  static Path layerDir(String flavour) throws IOException {
    return mnt.resolve(ImageDirectoryName.encode(ref(flavour)))
        .resolve(descriptor(flavour).get("digest").asText());
  }

  /**
   * GNU tar's view of the same layer: the blob decompressed as one stream (skippable zstd frames
   * skipped), as a full pull extracts it, with the producer's own entries.
   */
  static Path extractReference(String flavour) throws IOException {
    Path dir = tmp.resolve("ref-" + flavour);
    Files.createDirectories(dir);
    String input = (descriptor(flavour).get("mediaType").asText().endsWith("+zstd")
        ? "zstd -dc " : "gzip -dc ") + blob(flavour);
    ExternalTools.run(List.of("bash", "-c", "set -o pipefail; " + input
        + " | tar --xattrs --xattrs-include='*' --numeric-owner --delay-directory-restore -xpf - -C "
        + dir), 120)
        .requireSuccess();
    return dir;
  }

  @ParameterizedTest
  @ValueSource(strings = {"estargz", "zstd-stargz", "zstd-podman", "ours-estargz",
      "ours-zstd-stargz"})
  void diffTreeEqualsTarExtractionInOverlayForm(String flavour) throws IOException {
    Path ref = extractReference(flavour);
    Map<String, TreeSnapshot.Facts> tar = TreeSnapshot.take(ref);
    Map<String, TreeSnapshot.Facts> want = TreeSnapshot.toOverlayForm(tar);
    if (flavour.equals("zstd-podman")) {
      // containers/storage 1.43 reads PAX records with Go's archive/tar, for which an empty
      // SCHILY.xattr value deletes the record: its manifest (our only source for a lazily read
      // layer) has no user.empty, exactly as podman's own full pull of this layer would not.
      want = TreeSnapshot.withoutEmptyXattrs(want);
    }
    Path diff = layerDir(flavour).resolve("diff");
    Map<String, TreeSnapshot.Facts> got = TreeSnapshot.take(diff);
    List<String> d = TreeSnapshot.diff(want, got);
    assertTrue(d.isEmpty(), flavour + ": " + d.size() + " differences:\n"
        + String.join("\n", d.subList(0, Math.min(20, d.size()))));
    assertEquals(TreeSnapshot.hardlinkGroups(ref), TreeSnapshot.hardlinkGroups(diff));
    assertFalse(TreeSnapshot.hardlinkGroups(diff).isEmpty(), "the fixture has a hardlink");
    Set<String> producerEntries = Set.of("stargz.index.json", ".prefetch.landmark",
        ".no.prefetch.landmark");
    Set<String> added = new TreeSet<>(want.keySet());
    added.retainAll(producerEntries);
    assertEquals(switch (flavour) {
      case "estargz", "ours-estargz" -> Set.of("stargz.index.json", ".prefetch.landmark");
      case "zstd-stargz" -> Set.of(".prefetch.landmark");
      case "ours-zstd-stargz" -> Set.of(".no.prefetch.landmark");
      default -> Set.of();
    }, added, "the producer's own entries, which a full pull extracts too");
    for (String opaque : TreeSnapshot.opaqueDirs(tar)) {
      ExternalTools.Result r = ExternalTools.run(List.of("getfattr", "-n",
          "trusted.overlay.opaque", "--only-values", "--absolute-names",
          diff.resolve(opaque).toString()), 30)
          .requireSuccess();
      assertEquals("y", r.output().trim(), opaque);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"estargz", "zstd-stargz", "zstd-podman"})
  void layerAliasInfoAndBlob(String flavour) throws IOException {
    JsonNode desc = descriptor(flavour);
    Path layer = layerDir(flavour);
    assertEquals(Files.readString(layer.resolve("diff/etc/hostname")),
        Files.readString(layer.resolve("layer/etc/hostname")));
    JsonNode info = JSON.readTree(Files.readAllBytes(layer.resolve("info")));
    assertEquals(desc.get("digest").asText(), info.get("compressed-diff-digest").asText());
    assertEquals(desc.get("size").asLong(), info.get("compressed-size").asLong());
    assertEquals(desc.get("diffID").asText(), info.get("diff-digest").asText());
    assertEquals(desc.get("diffID").asText(),
        info.get("flags").get("expected-layer-diffid").asText());
    assertEquals(flavour.equals("estargz") ? 2 : 4, info.get("compression").asInt());
    String toc = info.get("toc-digest").asText();
    String annotated = desc.path("annotations").has("containerd.io/snapshot/stargz/toc.digest")
        ? desc.get("annotations").get("containerd.io/snapshot/stargz/toc.digest").asText()
        : desc.get("annotations").get("io.containers.zstd-chunked.manifest-checksum").asText();
    assertEquals(annotated, toc);
    // the same layer under its TOC digest (podman 5.1+)
    Path byToc = layer.resolveSibling(toc);
    // ... with its own info: no digest the store did not verify (see LayerInfoFileTest)
    JsonNode tocInfo = JSON.readTree(Files.readAllBytes(byToc.resolve("info")));
    assertEquals(toc, tocInfo.get("toc-digest").asText());
    assertTrue(!tocInfo.has("diff-digest") && !tocInfo.has("compressed-diff-digest"),
        tocInfo.toString());
    assertTrue(Files.isDirectory(byToc.resolve("diff")));
    // blob: the raw layer, byte for byte
    assertArrayEquals(Files.readAllBytes(Shared.fixture("edge." + flavour + ".blob")),
        Files.readAllBytes(layer.resolve("blob")));
    assertEquals(desc.get("digest").asText(),
        Digest.of(Files.readAllBytes(layer.resolve("blob"))).toString());
  }
}
