package org.stargzstore.fs.als;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.estargz.writer.EstargzWriter;
import org.stargzstore.estargz.writer.LayerWriteResult;
import org.stargzstore.fs.fetch.SpooledPrefix;
import org.stargzstore.fs.remote.RegistryImageSource;
import org.stargzstore.registry.RegistryClient;
import org.stargzstore.testkit.FaultProxy;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.LogRecords;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.testkit.Shared;

/**
 * An optimized layer (our converter, {@code --prioritize}) through the real registry client,
 * registry and mount: its prioritized files are asked for in one request beside the TOC's, never
 * a second time, and read back exactly; a prefix request cut off part-way leaves the files
 * readable, fetched as usual, with the reason in the log.
 */
@IntegrationTest
class PrefixWithTocTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> PRIORITIZED = List.of("bin/rand-1048576", "etc/hostname",
      "bin/rand-65537", "xattr/file");
  private static RegistryServer registry;
  private static FaultProxy proxy;
  @TempDir Path tmp;
  private Path blob;
  private LayerWriteResult layer;

  @BeforeAll
  static void start() throws Exception {
    registry = RegistryServer.builder().build();
    registry.start();
    proxy = FaultProxy.start(registry.baseUri());
  }

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
    if (registry != null) {
      registry.stop();
    }
  }

  @BeforeEach
  void convert() throws Exception {
    blob = tmp.resolve("layer.esgz");
    try (OutputStream out = Files.newOutputStream(blob)) {
      layer = EstargzWriter.builder().chunkSize(65536).prioritizedFiles(PRIORITIZED).build()
          .write(Shared.fixture("edge.tar"), out);
    }
    proxy.clearFaults();
    proxy.clearSeen();
  }

  @Test
  void thePrioritizedFilesComeInOneRequestBesideTheTocAndReadBackExactly() throws Exception {
    long prefix = layer.toDescriptor().prefetchSize().orElseThrow();
    String ref = push("prefix/ok:1");
    try (RegistryClient client = client();
        StoreHarness h = new StoreHarness(tmp.resolve("root"),
            new RegistryImageSource(client, Duration.ofSeconds(30)),
            LayerStoreConfig.defaults())) {
      Path diff = h.mount(tmp.resolve("mnt")).resolve(ImageDirectoryName.encode(ref))
          .resolve(layer.digest().toString()).resolve("diff");
      for (String f : PRIORITIZED) {
        assertArrayEquals(tarBytes(f), Files.readAllBytes(diff.resolve(f)), f);
      }
    }
    List<FaultProxy.Seen> blobGets = proxy.seen().stream()
        .filter(s -> s.target().contains("/blobs/" + layer.digest())).toList();
    long prefixRequests = blobGets.stream()
        .filter(s -> ("bytes=0-" + (prefix - 1)).equals(s.range())).count();
    assertEquals(1, prefixRequests, "the prefix asked for once: " + ranges(blobGets));
    for (FaultProxy.Seen s : blobGets) {
      if (s.range() != null && !s.range().equals("bytes=0-" + (prefix - 1))) {
        long from = Long.parseLong(s.range().substring("bytes=".length()).split("[-,]")[0]);
        assertTrue(from >= prefix, "a range inside the spooled prefix was asked again: "
            + ranges(blobGets));
      }
    }
  }

  @Test
  void aPrefixRequestCutOffLeavesTheFilesReadableAndSaysWhy() throws Exception {
    long prefix = layer.toDescriptor().prefetchSize().orElseThrow();
    String ref = push("prefix/cut:1");
    // the prefix's request and every resume of it (a range ending where the prefix ends) cut
    // off: the registry client's retries give up, and the spool with them
    String prefixEnd = "-" + (prefix - 1);
    proxy.inject(r -> r.isBlobGet() && r.header("Range") != null
        && r.header("Range").endsWith(prefixEnd), FaultProxy.truncate(50_000), 1000);
    LogRecords capture = new LogRecords();
    Logger log = Logger.getLogger(SpooledPrefix.class.getName());
    log.addHandler(capture);
    Level before = log.getLevel();
    log.setLevel(Level.FINE);
    try (RegistryClient client = client();
        StoreHarness h = new StoreHarness(tmp.resolve("root"),
            new RegistryImageSource(client, Duration.ofSeconds(30)),
            LayerStoreConfig.defaults())) {
      Path diff = h.mount(tmp.resolve("mnt")).resolve(ImageDirectoryName.encode(ref))
          .resolve(layer.digest().toString()).resolve("diff");
      for (String f : PRIORITIZED) {
        assertArrayEquals(tarBytes(f), Files.readAllBytes(diff.resolve(f)), f);
      }
    } finally {
      log.removeHandler(capture);
      log.setLevel(before);
    }
    assertTrue(capture.lines().stream().anyMatch(m -> m.contains("spooling the first "
        + prefix + " bytes of") && m.contains("the rest is read as usual")),
        capture.lines().toString());
  }

  private static String ranges(List<FaultProxy.Seen> seen) {
    return seen.stream().map(FaultProxy.Seen::range).toList().toString();
  }

  private static byte[] tarBytes(String name) throws Exception {
    try (TarArchiveInputStream t = new TarArchiveInputStream(
        Files.newInputStream(Shared.fixture("edge.tar")))) {
      for (TarArchiveEntry e = t.getNextEntry(); e != null; e = t.getNextEntry()) {
        if (e.getName().equals(name)) {
          return t.readAllBytes();
        }
      }
    }
    throw new AssertionError(name + " is not in the fixture");
  }

  /** Pushes the converted layer as a one-layer image through the proxy; its reference. */
  private String push(String repoTag) throws Exception {
    Path desc = tmp.resolve("layer.json");
    Files.writeString(desc, layer.toJson());
    String ref = proxy.hostPort() + "/" + repoTag;
    try (RegistryClient c = client()) {
      ProxiedPush.oneLayer(c, ref, blob, desc);
    }
    proxy.clearSeen();
    return ref;
  }

  private RegistryClient client() throws Exception {
    return ProxiedPush.client(tmp, proxy.hostPort());
  }
}
