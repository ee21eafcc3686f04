package org.stargzstore.fs.als;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.fs.fetch.FetchReason;
import org.stargzstore.testkit.ImagePusher;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.testkit.TarCorpus;
import org.stargzstore.types.Digest;

/**
 * Python's native modules and the libraries they link, from this machine, in a zstd:chunked
 * layer pushed by podman 4.3.1 to a real registry, read through the real FUSE mount: reading
 * {@code _ssl} brings {@code nis} (its directory neighbour) with the read-ahead. The module the
 * container opened has its links followed (libssl, libcrypto, libc); the one that merely
 * arrived has its own links fetched (libnsl, libtirpc) but not theirs (libgssapi_krb5, behind
 * libtirpc), until a container opens it too.
 */
@IntegrationTest
class LibraryPrefetchMountTest {
  @RegisterExtension static final RegistryServer REGISTRY = RegistryServer.builder().build();
  private static final String DYNLOAD = "usr/lib/python3.11/lib-dynload/";
  private static final String SSL = DYNLOAD + "_ssl.cpython-311-x86_64-linux-gnu.so";
  private static final String NIS = DYNLOAD + "nis.cpython-311-x86_64-linux-gnu.so";
  private static final String LIBS = "lib/x86_64-linux-gnu/";

  @TempDir Path tmp;

  @Test
  void aModuleReadAheadHasOnlyItsOwnLinksPrefetchedUntilOpened() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("rootfs"));
    copy(root, "etc/passwd");
    copy(root, "/" + SSL);
    copy(root, "/" + NIS);
    for (String lib : List.of("libc.so.6", "libssl.so.3", "libcrypto.so.3", "libnsl.so.2",
        "libtirpc.so.3", "libgssapi_krb5.so.2")) {
      Files.createDirectories(root.resolve(LIBS));
      Files.copy(Path.of("/lib/x86_64-linux-gnu", lib), root.resolve(LIBS + lib));
    }
    ImagePusher.podmanZstdChunked(REGISTRY, "libs/python:1", TarCorpus.tree(tmp.resolve("l.tar"),
        root));
    String ref = REGISTRY.hostPort() + "/libs/python:1";
    try (StoreHarness h = StoreHarness.overRegistry(tmp.resolve("store"),
        REGISTRY.hostPort(), StoreHarness.PREDICTIONS_ONLY)) {
      Path img = h.mount(tmp.resolve("mnt")).resolve(ImageDirectoryName.encode(ref));
      Digest layer = StoreHarness.firstLayer(img);
      Path diff = img.resolve(layer.toString()).resolve("diff");
      assertTrue(Files.isDirectory(diff.resolve(DYNLOAD)));
      MountedLayer l = h.store.loadedLayer(layer).orElseThrow();
      // the image's prefetch is wired once it has fetched the setup files podman reads
      awaitCached(h, l, "etc/passwd");

      Files.readAllBytes(diff.resolve(SSL));
      // nis rides in _ssl's request as read-ahead, after the bytes the reader waited for
      awaitCached(h, l, NIS);
      assertEquals(0, l.fetcher().stats().bytesByReason().getOrDefault(FetchReason.NEAR_READER,
          0L), "no background");
      awaitCached(h, l, LIBS + "libssl.so.3");
      awaitCached(h, l, LIBS + "libcrypto.so.3");
      awaitCached(h, l, LIBS + "libc.so.6");
      assertTrue(l.fetcher().stats().bytesByReason().getOrDefault(FetchReason.PREDICTED, 0L) > 0);
      // nis arrived unopened: its own links come, not libtirpc's (they did, before)
      awaitCached(h, l, LIBS + "libnsl.so.2");
      awaitCached(h, l, LIBS + "libtirpc.so.3");
      for (int i = 0; i < 50; i++) {
        assertFalse(cached(h, l, LIBS + "libgssapi_krb5.so.2"),
            "libgssapi_krb5 fetched behind an unopened nis");
        Thread.sleep(40);
      }

      Files.readAllBytes(diff.resolve(NIS));
      awaitCached(h, l, LIBS + "libgssapi_krb5.so.2");
    }
  }


  private static void copy(Path root, String hostPath) throws IOException {
    Path to = root.resolve(hostPath.startsWith("/") ? hostPath.substring(1) : hostPath);
    Files.createDirectories(to.getParent());
    Files.copy(Path.of(hostPath.startsWith("/") ? hostPath : "/" + hostPath), to);
  }

  private static boolean cached(StoreHarness h, MountedLayer l, String name) {
    return h.isCached(l.fetcher().index().entry(name).orElseThrow());
  }

  private static void awaitCached(StoreHarness h, MountedLayer l, String name)
      throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!cached(h, l, name) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(true, cached(h, l, name), name + " was not fetched");
  }
}
