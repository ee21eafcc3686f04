package org.stargzstore.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.ImagePusher;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.PodmanSandbox;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.testkit.TestLayers;
import org.stargzstore.types.Digest;

/**
 * {@code podman save} exports a lazily pulled layer from its {@code blob} file (podman 4.3.1,
 * the real registry, images made by the reference eStargz writer and by podman 4.3.1's own
 * zstd:chunked push, whose tar size the daemon measures): the archive is whole when
 * the registry's blob is intact, and the save fails when the blob was altered in the
 * registry's storage: never an archive with a wrong byte.
 */
@IntegrationTest
class PodmanSaveTest {
  @RegisterExtension static final RegistryServer REGISTRY = RegistryServer.builder().build();
  @TempDir static Path tmp;
  static PodmanWithDaemon env;
  static PodmanSandbox podman;

  static String image(String repo) {
    return REGISTRY.hostPort() + "/" + repo + ":1";
  }

  @BeforeAll
  static void setUp() throws Exception {
    Path base = TestLayers.busyboxLayer(tmp.resolve("base.tar"));
    ImagePusher.pushimg(REGISTRY, "save/intact:1", "estargz",
        List.of(base, TestLayers.dataLayer(tmp.resolve("data2.tar"), 2)));
    ImagePusher.pushimg(REGISTRY, "save/altered:1", "estargz",
        List.of(base, TestLayers.dataLayer(tmp.resolve("data3.tar"), 3)));
    // zstd:chunked as podman 4.3.1 pushes it: no tar-split, no uncompressed-size annotation
    ImagePusher.podmanZstdChunked(REGISTRY, "save/podman-zstd:1",
        TestLayers.flatRootfs(tmp.resolve("flat.tar"), 3));
    env = PodmanWithDaemon.start(REGISTRY, tmp,
        "[fetch]\nbackground = false\nprefetch = false\n");
    podman = env.podman();
  }

  @AfterAll
  static void tearDown() {
    if (env != null) {
      env.close();
    }
  }

  @Test
  void savedArchiveOfALazyImageIsWhole() throws IOException {
    String img = image("save/intact");
    JsonNode top = pullLazily(img);
    Path out = tmp.resolve("intact.tar");
    podman.ok("save", "-o", out.toString(), img);
    // the export read the layer's blob file: downloaded whole once, verified
    top = env.layerStatus(img, 1);
    assertEquals(top.path("size").asLong(), top.path("bytesByReason").path("blob_file").asLong(),
        top.toString());
    // every layer in the archive hashes to the name podman gave it (its diff ID)
    List<String> layerTars = layerTarsOf(out);
    assertEquals(2, layerTars.size(), "layers in the archive: " + layerTars);
    assertEachHashesToItsName(out, layerTars);
  }

  private static List<String> layerTarsOf(Path archive) throws IOException {
    return ExternalTools.run(List.of("tar", "-tf", archive.toString()), 60).requireSuccess()
        .output().lines().filter(n -> n.matches("[0-9a-f]{64}\\.tar")).toList();
  }

  private static void assertEachHashesToItsName(Path archive, List<String> layerTars)
      throws IOException {
    for (String t : layerTars) {
      String sum = ExternalTools.run(List.of("bash", "-c", "tar -xOf " + archive + " " + t
          + " | sha256sum"), 60).requireSuccess().output().split(" ")[0];
      String name = t.substring(t.lastIndexOf('/') + 1);
      assertEquals(name.substring(0, 64), sum, t);
    }
  }

  /**
   * Before issue 15 the {@code info} file's diff-size of this layer was an estimate and save
   * failed with {@code archive/tar: write too long}; now it is measured exactly.
   */
  @Test
  void savedArchiveOfAPodman431ZstdChunkedImageIsWhole() throws IOException {
    String img = image("save/podman-zstd");
    podman.ok("pull", "-q", img);
    JsonNode layer = env.layerStatus(img, 0);
    assertTrue(layer.path("lazy").asBoolean(), layer.toString());
    assertEquals("zstd:chunked (containers/storage)", layer.path("format").asText());
    // oci-archive: podman 4.3.1 cannot write a zstd image as docker-archive at all ("zstd
    // compression is not supported for docker images"); the OCI writer checks the size the same
    Path out = tmp.resolve("podman-zstd.tar");
    podman.ok("save", "--format", "oci-archive", "-o", out.toString(), img);
    List<String> blobs = ExternalTools.run(List.of("tar", "-tf", out.toString()), 60)
        .requireSuccess().output().lines().filter(n -> n.matches("blobs/sha256/[0-9a-f]{64}"))
        .toList();
    assertEquals(3, blobs.size(), "manifest, config and one layer: " + blobs);
    assertEachHashesToItsName(out, blobs);
    // the layer (compressed again by the OCI writer) holds a tar exactly as long as the info
    // file said; the copy checked the stream against that size
    long diffSize = env.layerStatus(img, 0).path("diffSize").asLong();
    List<Long> sizes = new java.util.ArrayList<>();
    for (String b : blobs) {
      sizes.add(Long.parseLong(ExternalTools.run(List.of("bash", "-c", "tar -xOf " + out + " "
          + b + " | zstd -dcf | wc -c"), 60).requireSuccess().output().trim()));
    }
    assertTrue(diffSize > 0 && sizes.contains(diffSize), diffSize + " not in " + sizes);
  }

  @Test
  void saveFailsWhenTheRegistryBlobWasAltered() throws IOException {
    String img = image("save/altered");
    JsonNode top = pullLazily(img);
    Digest layer = Digest.parse(top.path("digest").asText());
    Path data = REGISTRY.storageDir().resolve("docker/registry/v2/blobs/sha256")
        .resolve(layer.hex().substring(0, 2)).resolve(layer.hex()).resolve("data");
    byte[] original = Files.readAllBytes(data);
    byte[] altered = original.clone();
    altered[altered.length / 3] ^= 0x40;
    Files.write(data, altered);
    try {
      ExternalTools.Result save = podman.podman("save", "-o", tmp.resolve("altered.tar").toString(),
          img);
      assertNotEquals(0, save.exitCode(), "podman save succeeded:\n" + save.output());
      assertTrue(save.output().toLowerCase(Locale.ROOT).contains("input/output error"),
          save.output());
      assertFalse(Files.exists(env.storeRoot().resolve("blobs/sha256")
          .resolve(layer.hex().substring(0, 2)).resolve(layer.hex())),
          "an unverified blob was stored");
    } finally {
      Files.write(data, original);
    }
  }

  /** Pulls {@code image} through the daemon; its top layer must be lazy. Returns its status. */
  private static JsonNode pullLazily(String image) throws IOException {
    podman.ok("pull", "-q", image);
    JsonNode top = env.layerStatus(image, 1);
    assertTrue(top.path("lazy").asBoolean(), top.toString());
    return top;
  }
}
