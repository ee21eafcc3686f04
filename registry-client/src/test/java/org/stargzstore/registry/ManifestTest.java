package org.stargzstore.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.stargzstore.registry.errors.NoMatchingPlatformException;
import org.stargzstore.registry.errors.RegistryDigestMismatchException;
import org.stargzstore.registry.errors.RegistryErrorKind;
import org.stargzstore.registry.errors.RegistryException;
import org.stargzstore.registry.errors.RegistryNotFoundException;
import org.stargzstore.registry.errors.UnsupportedManifestException;
import org.stargzstore.registry.manifest.Descriptor;
import org.stargzstore.registry.manifest.ImageIndex;
import org.stargzstore.registry.manifest.ImageManifest;
import org.stargzstore.registry.manifest.ManifestJson;
import org.stargzstore.registry.manifest.ManifestParser;
import org.stargzstore.registry.manifest.MediaTypes;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.testkit.TempDirs;
import org.stargzstore.types.Digest;

/**
 * Manifests and indexes in all four media types against the real registry: platform
 * selection, config and diff IDs, and verification of every digest fetched whole (the registry's
 * storage is corrupted on purpose to prove it).
 */
@IntegrationTest
class ManifestTest {
  @RegisterExtension
  static final RegistryServer REGISTRY = RegistryServer.builder().build();

  private static Path dir;
  private static RegistryClient client;

  @BeforeAll
  static void setUp() throws Exception {
    dir = Files.createTempDirectory("srs-manifest-");
    client = TestSetup.insecureClient(dir, REGISTRY.hostPort());
  }

  @AfterAll
  static void tearDown() {
    client.close();
    TempDirs.deleteRecursively(dir);
  }

  private static ImageReference ref(String s) {
    return ImageReference.parse(REGISTRY.hostPort() + "/" + s);
  }

  @Test
  void ociManifestWithAnnotationsConfigAndDiffIds() throws Exception {
    byte[] l1 = TestImages.random(1000, 1);
    byte[] l2 = TestImages.random(2000, 2);
    Map<String, String> ann = Map.of("containerd.io/snapshot/stargz/toc.digest",
        Digest.of(new byte[] {9}).toString(), "io.containers.estargz.uncompressed-size", "4096");
    TestImages.Pushed p = TestImages.push(client, ref("m/oci:1"), List.of(l1, l2),
        List.of(ann, Map.of()), "linux", "amd64");
    ResolvedImage img = client.resolve(ref("m/oci:1"));
    assertEquals(p.manifestDigest(), img.manifestDigest());
    assertArrayEquals(p.manifest(), img.manifestBytes());
    assertArrayEquals(p.config(), img.configBytes());
    assertEquals(Optional.empty(), img.indexDigest());
    assertEquals(MediaTypes.OCI_MANIFEST, img.manifest().mediaType());
    assertEquals(List.of(Digest.of(l1), Digest.of(l2)), img.diffIds());
    assertEquals(p.layerDescriptors(), img.layers());
    assertEquals(ann, img.layers().get(0).annotations());
    assertEquals("amd64", img.config().architecture());
    // by digest: the same manifest
    ResolvedImage byDigest = client.resolve(ref("m/oci@" + p.manifestDigest()));
    assertEquals(p.manifestDigest(), byDigest.manifestDigest());
  }

  @Test
  void dockerSchema2ManifestAndManifestListSelectThePlatform() throws Exception {
    Digest amd = pushDockerImage("m/multi:amd", "amd64", "", TestImages.random(500, 3));
    Digest arm = pushDockerImage("m/multi:arm", "arm64", "v8", TestImages.random(600, 4));
    ImageIndex list = new ImageIndex(MediaTypes.DOCKER_MANIFEST_LIST, List.of(
        descriptorOf("m/multi:amd", amd, new Platform("linux", "amd64", "")),
        descriptorOf("m/multi:arm", arm, new Platform("linux", "arm64", "v8"))), Map.of());
    byte[] listBytes = ManifestJson.write(list);
    Digest listDigest = client.pushManifest(ref("m/multi:latest"), listBytes,
        MediaTypes.DOCKER_MANIFEST_LIST);

    ResolvedImage a = client.resolve(ref("m/multi:latest"), new Platform("linux", "amd64", ""));
    assertEquals(amd, a.manifestDigest());
    assertEquals(Optional.of(listDigest), a.indexDigest());
    assertEquals(MediaTypes.DOCKER_MANIFEST, a.manifest().mediaType());
    ResolvedImage b = client.resolve(ref("m/multi:latest"), Platform.parse("linux/arm64"));
    assertEquals(arm, b.manifestDigest());
    assertEquals("arm64", b.config().architecture());

    NoMatchingPlatformException e = assertThrows(NoMatchingPlatformException.class,
        () -> client.resolve(ref("m/multi:latest"), Platform.parse("linux/s390x")));
    assertTrue(e.getMessage().contains("linux/s390x"), e.getMessage());
    assertTrue(e.getMessage().contains("linux/arm64/v8"), e.getMessage());
    assertEquals(RegistryErrorKind.NOT_FOUND, e.kind());

    // the raw index is there too, as served
    ManifestResponse raw = client.pullManifest(ref("m/multi:latest"));
    assertArrayEquals(listBytes, raw.bytes());
    assertEquals(MediaTypes.DOCKER_MANIFEST_LIST, raw.mediaType());
  }

  @Test
  void ociIndex() throws Exception {
    Digest amd = pushDockerImage("m/ociidx:amd", "amd64", "", TestImages.random(50, 5));
    ImageIndex idx = new ImageIndex(MediaTypes.OCI_INDEX, List.of(
        new Descriptor(MediaTypes.DOCKER_MANIFEST, amd, manifestSize("m/ociidx:amd"), Map.of(),
            List.of(), new Platform("linux", "amd64", ""))), Map.of());
    client.pushManifest(ref("m/ociidx:1"), ManifestJson.write(idx), MediaTypes.OCI_INDEX);
    assertEquals(amd, client.resolve(ref("m/ociidx:1"), Platform.parse("linux/amd64"))
        .manifestDigest());
  }

  @Test
  void unknownTagAndRepositoryAreNotFound() throws Exception {
    pushDockerImage("m/known:1", "amd64", "", TestImages.random(10, 6));
    RegistryNotFoundException e = assertThrows(RegistryNotFoundException.class,
        () -> client.resolve(ref("m/known:2")));
    assertTrue(e.getMessage().contains("pulling manifest " + REGISTRY.hostPort()
        + "/m/known:2"), e.getMessage());
    assertTrue(e.getMessage().contains("MANIFEST_UNKNOWN"), e.getMessage());
    e = assertThrows(RegistryNotFoundException.class, () -> client.resolve(ref("m/nothing:1")));
    assertTrue(e.getMessage().contains("NAME_UNKNOWN") || e.getMessage().contains("UNKNOWN"),
        e.getMessage());
  }

  @Test
  void manifestThatDoesNotMatchItsDigestIsRejected() throws Exception {
    TestImages.Pushed p = TestImages.push(client, ref("m/corrupt-manifest:1"),
        TestImages.random(100, 7));
    // Replace the stored manifest with other valid JSON of the same kind: the registry serves it
    // for both the tag and the digest.
    byte[] other = new String(p.manifest(), StandardCharsets.UTF_8).replace("\"schemaVersion\":2",
        "\"schemaVersion\":2,\"annotations\":{\"x\":\"y\"}").getBytes(StandardCharsets.UTF_8);
    Files.write(blobData(p.manifestDigest()), other);
    RegistryDigestMismatchException e = assertThrows(RegistryDigestMismatchException.class,
        () -> client.resolve(ref("m/corrupt-manifest@" + p.manifestDigest())));
    assertEquals(p.manifestDigest().toString(), e.expected());
    assertEquals(Digest.of(other).toString(), e.actual());
    // by tag, the registry's Docker-Content-Digest names the original: also a mismatch
    assertThrows(RegistryDigestMismatchException.class,
        () -> client.resolve(ref("m/corrupt-manifest:1")));
  }

  @Test
  void configAndLayerThatDoNotMatchTheirDigestsAreRejected() throws Exception {
    byte[] layer = TestImages.random(300_000, 8);
    TestImages.Pushed p = TestImages.push(client, ref("m/corrupt-blobs:1"), layer);
    ResolvedImage img = client.resolve(ref("m/corrupt-blobs:1"));
    Path data = blobData(img.layers().get(0).digest());
    byte[] bad = layer.clone();
    bad[123_456] ^= 1;
    Files.write(data, bad);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    RegistryBlob blob = client.blob(img, img.layers().get(0));
    RegistryDigestMismatchException e = assertThrows(RegistryDigestMismatchException.class,
        () -> blob.copyTo(out));
    assertTrue(e.getMessage().contains(img.layers().get(0).digest().toString()), e.getMessage());

    byte[] config = p.config().clone();
    config[config.length - 2] = ' ';
    Files.write(blobData(img.configDigest()), config);
    RegistryException ce = assertThrows(RegistryDigestMismatchException.class,
        () -> client.resolve(ref("m/corrupt-blobs:1")));
    assertTrue(ce.getMessage().contains(img.configDigest().toString()), ce.getMessage());
  }

  @Test
  void listenerHearsTheManifestBeforeTheConfigAndReadsItsLayers() throws Exception {
    byte[] l1 = TestImages.random(5000, 11);
    byte[] l2 = TestImages.random(7000, 12);
    TestImages.Pushed p = TestImages.push(client, ref("m/early:1"), l1, l2);
    List<Digest> heard = new java.util.ArrayList<>();
    List<byte[]> read = new java.util.ArrayList<>();
    List<Digest> manifests = new java.util.ArrayList<>();
    ResolvedImage img = client.resolve(ref("m/early:1"), (served, manifest, layerBlob) -> {
      manifests.add(served.digest());
      assertEquals(served.digest(), Digest.of(served.bytes()), "the bytes as served");
      for (Descriptor d : manifest.layers()) {
        heard.add(d.digest());
        try {
          read.add(layerBlob.apply(d).read(0, 100));
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
    });
    assertEquals(p.layerDescriptors(), img.layers());
    assertEquals(List.of(img.manifestDigest()), manifests, "told the manifest the image has");
    assertEquals(List.of(Digest.of(l1), Digest.of(l2)), heard);
    assertArrayEquals(java.util.Arrays.copyOf(l1, 100), read.get(0));
    assertArrayEquals(java.util.Arrays.copyOf(l2, 100), read.get(1));

    // the config is gone: resolving fails, but the listener has already heard the layers
    Files.delete(blobData(img.configDigest()));
    heard.clear();
    assertThrows(RegistryException.class, () -> client.resolve(ref("m/early:1"),
        (served, manifest, layerBlob) -> manifest.layers().forEach(d -> heard.add(d.digest()))));
    assertEquals(List.of(Digest.of(l1), Digest.of(l2)), heard);

    // a listener that throws does not fail the resolution
    TestImages.push(client, ref("m/early:2"), l1);
    assertEquals(1, client.resolve(ref("m/early:2"), (served, manifest, layerBlob) -> {
      throw new IllegalStateException("listener bug");
    }).layers().size());
  }

  @Test
  void schemaOneIsUnsupportedWithAClearMessage() {
    byte[] schema1 = "{\"schemaVersion\":1,\"name\":\"x\",\"tag\":\"1\",\"fsLayers\":[]}"
        .getBytes(StandardCharsets.UTF_8);
    UnsupportedManifestException e = assertThrows(UnsupportedManifestException.class,
        () -> ManifestParser.parse(schema1, MediaTypes.DOCKER_SCHEMA1_SIGNED, "manifest of x"));
    assertTrue(e.getMessage().contains("schema 1"), e.getMessage());
  }

  private static Path blobData(Digest d) {
    return REGISTRY.storageDir().resolve("docker/registry/v2/blobs/sha256")
        .resolve(d.hex().substring(0, 2)).resolve(d.hex()).resolve("data");
  }

  private static long manifestSize(String r) throws Exception {
    return client.pullManifest(ref(r)).size();
  }

  private static Descriptor descriptorOf(String r, Digest d, Platform p) throws Exception {
    return new Descriptor(MediaTypes.DOCKER_MANIFEST, d, manifestSize(r), Map.of(), List.of(), p);
  }

  private static Digest pushDockerImage(String r, String arch, String variant, byte[] layer)
      throws Exception {
    ImageReference target = ref(r);
    BlobContent l = BlobContent.ofBytes(layer);
    client.pushBlob(target, l, PushOptions.monolithic());
    byte[] cfg = TestImages.config(List.of(layer), "linux", arch);
    if (!variant.isEmpty()) {
      cfg = new String(cfg, StandardCharsets.UTF_8).replace("\"os\":", "\"variant\":\"" + variant
          + "\",\"os\":").getBytes(StandardCharsets.UTF_8);
    }
    BlobContent c = BlobContent.ofBytes(cfg);
    client.pushBlob(target, c, PushOptions.monolithic());
    ImageManifest m = new ImageManifest(MediaTypes.DOCKER_MANIFEST,
        new Descriptor(MediaTypes.DOCKER_CONFIG, c.digest(), c.size()),
        List.of(new Descriptor(MediaTypes.DOCKER_LAYER_GZIP, l.digest(), l.size())), Map.of());
    return client.pushManifest(target, ManifestJson.write(m), MediaTypes.DOCKER_MANIFEST);
  }
}
