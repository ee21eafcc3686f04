package org.stargzstore.fs.als;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.stargzstore.estargz.Digest;
import org.stargzstore.fs.fetch.FetchPolicy;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.Shared;
import org.stargzstore.testkit.TreeSnapshot;

/**
 * The three fixture layers (eStargz and zstd:chunked stargz flavour by the reference Go
 * implementation, zstd:chunked by podman 4.3.1), mounted through FUSE, give the same tree as GNU
 * tar extracting the same layer, converted to overlay form: names, types, modes (setuid too),
 * owners, sizes, mtimes, link targets, device numbers, xattrs, bytes and hardlink sharing.
 */
class MountedFixtureTreeTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path tmp;
  static StoreHarness harness;
  static Path mnt;

  static String ref(String flavour) {
    return "fixtures.test/edge/" + flavour + ":1";
  }

  @BeforeAll
  static void mount() throws IOException {
    LocalBlobsImageSource src = new LocalBlobsImageSource();
    for (String f : List.of("estargz", "zstd-stargz", "zstd-podman")) {
      src.add(ref(f), List.of(Shared.fixture("edge." + f + ".blob")),
          List.of(Shared.fixture("edge." + f + ".json")));
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

  static JsonNode descriptor(String flavour) throws IOException {
    return JSON.readTree(Files.readAllBytes(Shared.fixture("edge." + flavour + ".json")));
  }

  static Path layerDir(String flavour) throws IOException {
    return mnt.resolve(ImageDirectoryName.encode(ref(flavour)))
        .resolve(descriptor(flavour).get("digest").asText());
  }

  /** GNU tar's view of the same layer: edge.tar for the stargz-made blobs, the decompressed stream for podman's. */
  static Path extractReference(String flavour) throws IOException {
    Path dir = tmp.resolve("ref-" + flavour);
    Files.createDirectories(dir);
    String input = flavour.equals("zstd-podman")
        ? "zstd -dc " + Shared.fixture("edge.zstd-podman.blob")
        : "cat " + Shared.fixture("edge.tar");
    ExternalTools.run(List.of("bash", "-c", "set -o pipefail; " + input
        + " | tar --xattrs --xattrs-include='*' --numeric-owner --delay-directory-restore -xpf - -C "
        + dir), 120)
        .requireSuccess();
    return dir;
  }

  @ParameterizedTest
  @ValueSource(strings = {"estargz", "zstd-stargz", "zstd-podman"})
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
