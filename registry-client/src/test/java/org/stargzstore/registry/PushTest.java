package org.stargzstore.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.stargzstore.registry.errors.RegistryException;
import org.stargzstore.registry.manifest.Descriptor;
import org.stargzstore.registry.manifest.ImageManifest;
import org.stargzstore.registry.manifest.ManifestJson;
import org.stargzstore.registry.manifest.MediaTypes;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.testkit.TempDirs;
import org.stargzstore.types.Digest;

/**
 * Pushing to the real registry: monolithic and chunked uploads, skipping blobs that exist,
 * cross-repository mounts, manifest PUT; each checked by reading back what the registry stored.
 */
@IntegrationTest
class PushTest {
  @RegisterExtension
  static final RegistryServer REGISTRY = RegistryServer.builder().build();

  private static Path dir;
  private static RegistryClient client;

  @BeforeAll
  static void setUp() throws Exception {
    dir = Files.createTempDirectory("srs-push-");
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

  private static byte[] readBack(ImageReference repo, BlobContent c) throws Exception {
    return client.blob(repo, c.digest(), -1).readAllVerified(1 << 30);
  }

  @Test
  void monolithicUploadThenExistsIsSkipped() throws Exception {
    byte[] data = TestImages.random(1_234_567, 11);
    BlobContent c = BlobContent.ofBytes(data);
    assertEquals(OptionalLong.empty(), client.blobSize(ref("p/mono"), c.digest()));
    assertEquals(PushResult.UPLOADED, client.pushBlob(ref("p/mono"), c, PushOptions.monolithic()));
    assertEquals(OptionalLong.of(data.length), client.blobSize(ref("p/mono"), c.digest()));
    long sent = client.stats().snapshot().bytesSent();
    assertEquals(PushResult.EXISTS, client.pushBlob(ref("p/mono"), c, PushOptions.monolithic()));
    assertEquals(sent, client.stats().snapshot().bytesSent());
    assertArrayEquals(data, readBack(ref("p/mono"), c));
  }

  @Test
  void chunkedUploadFromAFile() throws Exception {
    byte[] data = TestImages.random(5 * 1024 * 1024 + 17, 12);
    Path f = dir.resolve("chunked.bin");
    Files.write(f, data);
    BlobContent c = BlobContent.ofFile(f);
    assertEquals(Digest.of(data), c.digest());
    long requests = client.stats().requests();
    assertEquals(PushResult.UPLOADED,
        client.pushBlob(ref("p/chunked"), c, PushOptions.chunked(1 << 20)));
    // HEAD + POST + 6 PATCH + PUT
    assertEquals(requests + 9, client.stats().requests());
    assertArrayEquals(data, readBack(ref("p/chunked"), c));
  }

  @Test
  void crossRepositoryMountSendsNoContent() throws Exception {
    byte[] data = TestImages.random(2_000_000, 13);
    BlobContent c = BlobContent.ofBytes(data);
    client.pushBlob(ref("p/source"), c, PushOptions.monolithic());
    long sent = client.stats().snapshot().bytesSent();
    assertEquals(PushResult.MOUNTED, client.pushBlob(ref("p/target"), c,
        PushOptions.monolithic().mountingFrom(ref("p/source"))));
    assertTrue(client.stats().snapshot().bytesSent() - sent < 10_000,
        "a mount must not upload the blob");
    assertArrayEquals(data, readBack(ref("p/target"), c));
    // a mount from a repository that lacks the blob falls back to uploading it
    BlobContent other = BlobContent.ofBytes(TestImages.random(1000, 14));
    assertEquals(PushResult.UPLOADED, client.pushBlob(ref("p/target2"), other,
        PushOptions.monolithic().mountingFrom(ref("p/source"))));
  }

  @Test
  void manifestPutReturnsTheDigestTheRegistryStored() throws Exception {
    TestImages.Pushed p = TestImages.push(client, ref("p/img:v1"), TestImages.random(10, 15));
    assertEquals(Digest.of(p.manifest()), p.manifestDigest());
    ManifestResponse back = client.pullManifest(ref("p/img:v1"));
    assertEquals(p.manifestDigest(), back.digest());
    assertArrayEquals(p.manifest(), back.bytes());
  }

  @Test
  void manifestNamingAMissingBlobIsRefusedWithTheRegistryReason() {
    Digest missing = Digest.of(new byte[] {42});
    ImageManifest m = new ImageManifest(MediaTypes.OCI_MANIFEST,
        new Descriptor(MediaTypes.OCI_CONFIG, missing, 1),
        List.of(), Map.of());
    RegistryException e = assertThrows(RegistryException.class, () -> client.pushManifest(
        ref("p/broken:1"), ManifestJson.write(m), MediaTypes.OCI_MANIFEST));
    assertTrue(e.getMessage().contains("pushing manifest " + REGISTRY.hostPort()
        + "/p/broken:1"), e.getMessage());
    assertTrue(e.getMessage().contains("MANIFEST_BLOB_UNKNOWN"), e.getMessage());
  }
}
