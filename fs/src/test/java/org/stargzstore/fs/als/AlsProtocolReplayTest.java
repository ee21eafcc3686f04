package org.stargzstore.fs.als;

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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.fs.fetch.FetchPolicy;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.Shared;
import org.stargzstore.types.Digest;

/**
 * Replays, with real syscalls against the mount, what containers/storage does to an additional
 * layer store (docs/als.md): 1.43 (podman 4.3.1) by blob digest, and 1.54+
 * (podman 5.1+, which no podman here speaks) by TOC digest. Every answer is checked.
 */
@IntegrationTest
class AlsProtocolReplayTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String REF = "quay.test/edge/podman:1";
  @TempDir static Path tmp;
  static StoreHarness harness;
  static Path mnt;
  static JsonNode desc;

  @BeforeAll
  static void mount() throws IOException {
    LocalBlobsImageSource src = new LocalBlobsImageSource()
        .add(REF, List.of(Shared.fixture("edge.zstd-podman.blob")),
            List.of(Shared.fixture("edge.zstd-podman.json")));
    harness = new StoreHarness(tmp.resolve("root"), src,
        LayerStoreConfig.defaults().withFetch(FetchPolicy.onDemandOnly()));
    mnt = harness.mount(tmp.resolve("mnt"));
    desc = JSON.readTree(Files.readAllBytes(Shared.fixture("edge.zstd-podman.json")));
  }

  @AfterAll
  static void unmount() {
    harness.close();
  }

  static Digest layerDigest() {
    return Digest.parse(desc.get("digest").asText());
  }

  static String tocDigest() {
    return desc.get("annotations").get("io.containers.zstd-chunked.manifest-checksum").asText();
  }

  /** open(use, O_RDWR|O_CREAT|O_TRUNC): must fail with ENOENT, having taken a reference. */
  static void use(Path layer) {
    assertThrows(NoSuchFileException.class, () -> Files.newByteChannel(layer.resolve("use"),
        StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING).close());
  }

  /** rmdir(layer dir): must fail with ENOENT, having dropped a reference. */
  static void release(Path layer) {
    assertThrows(NoSuchFileException.class, () -> Files.delete(layer));
  }

  @Test
  void containersStorage143ByBlobDigest() throws IOException {
    assertTrue(Files.isDirectory(mnt), "1. stat of the store path");
    Path layer = mnt.resolve(ImageDirectoryName.encode(REF)).resolve(layerDigest().toString());
    // 2. LookupAdditionalLayer: os.Stat of diff, info, blob
    assertTrue(Files.isDirectory(layer.resolve("diff")));
    assertTrue(Files.isRegularFile(layer.resolve("info")));
    assertTrue(Files.isRegularFile(layer.resolve("blob")));
    int before = harness.references.get(layerDigest()).total();
    // 3. notifyUseAdditionalLayer at lookup, and again at CreateAs
    use(layer);
    use(layer);
    assertEquals(before + 2, harness.references.get(layerDigest()).total());
    // 4. info read and decoded (twice): diff-digest feeds the layer ID chain
    for (int i = 0; i < 2; i++) {
      JsonNode info = JSON.readTree(Files.readAllBytes(layer.resolve("info")));
      assertEquals(desc.get("diffID").asText(), info.get("diff-digest").asText());
      assertEquals(layerDigest().toString(), info.get("compressed-diff-digest").asText());
      assertEquals(4, info.get("compression").asInt());
      assertTrue(info.get("diff-size").asLong() > 0, "podman 4.3.1 refuses an unknown size");
    }
    // 5. CreateAs: diff becomes an overlay lower directory
    assertTrue(Files.list(layer.resolve("diff")).findAny().isPresent());
    // 6. release: once when the pull ends, once at rmi
    release(layer);
    release(layer);
    assertEquals(before, harness.references.get(layerDigest()).total());
  }

  @Test
  void containersStorage154ByTocDigest() throws IOException {
    Path layer = mnt.resolve(ImageDirectoryName.encode(REF)).resolve(tocDigest());
    // faccessat(F_OK) of diff, info, blob under the TOC digest
    for (String f : List.of("diff", "info", "blob")) {
      assertTrue(Files.exists(layer.resolve(f)), f);
    }
    int before = harness.references.get(layerDigest()).total();
    use(layer);
    assertEquals(before + 1, harness.references.get(layerDigest()).total(),
        "a reference under the TOC digest counts on the same layer");
    JsonNode info = JSON.readTree(Files.readAllBytes(layer.resolve("info")));
    assertEquals(tocDigest(), info.get("toc-digest").asText(),
        "1.54+ fails hard if toc-digest differs from the name it asked for");
    assertEquals(desc.get("diffID").asText(),
        info.get("flags").get("expected-layer-diffid").asText());
    // no claim about the whole tar or blob: c/storage would index the layer by them
    assertFalse(info.has("diff-digest") || info.has("compressed-diff-digest"), info.toString());
    release(layer);
    assertEquals(before, harness.references.get(layerDigest()).total());
  }

  @Test
  void unknownLayersAndStrayReleasesAnswerEnoent() {
    Path img = mnt.resolve(ImageDirectoryName.encode(REF));
    Path unknown = img.resolve(Digest.of(new byte[] {7}).toString());
    assertThrows(NoSuchFileException.class, () -> Files.readAttributes(unknown.resolve("diff"),
        "unix:mode"));
    release(unknown);
    Path layer = img.resolve(layerDigest().toString());
    int before = harness.references.get(layerDigest()).total();
    release(layer);
    assertEquals(before, harness.references.get(layerDigest()).total(), "never below zero");
  }
}
