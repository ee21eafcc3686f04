package org.stargzstore.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.estargz.writer.EstargzWriter;
import org.stargzstore.estargz.writer.LayerWriteResult;
import org.stargzstore.fs.als.ImageDirectoryName;
import org.stargzstore.testkit.ImagePush;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.PodmanSandbox;
import org.stargzstore.testkit.RegistryServer;

/**
 * The daemon with a 64 MiB heap serves three layers whose one file is a single chunk of
 * hundreds of MiB, read in parallel through the mount from a real registry: every byte
 * arrives, verified (each chunk is decoded as a stream and verified into the store; held in
 * memory, one would not fit the heap). The daemon's peak RSS is printed; for measurements,
 * {@code -Dsrs.hugeChunkMiB} sets the chunk size and {@code -Dsrs.daemonHeap} the daemon's heap
 * option (docs/benchmarks.md, "Memory under hostile layers").
 */
@IntegrationTest
class HugeChunkDaemonTest {
  @RegisterExtension static final RegistryServer REGISTRY = RegistryServer.builder().build();
  private static final int LAYERS = 3;

  @TempDir Path tmp;

  @Test
  void threeLayersOfOneHugeChunkReadInParallelWithA64MiBHeap() throws Exception {
    long size = Long.getLong("srs.hugeChunkMiB", 256) << 20;
    List<String> refs = new ArrayList<>();
    List<String> digests = new ArrayList<>();
    List<String> want = new ArrayList<>();
    for (int i = 0; i < LAYERS; i++) {
      Path tar = tmp.resolve("l" + i + ".tar");
      want.add(writeTar(tar, (byte) (i + 1), size));
      Path blob = tmp.resolve("l" + i + ".blob");
      LayerWriteResult r;
      try (OutputStream out = Files.newOutputStream(blob)) {
        r = EstargzWriter.builder(1).chunkSize(Integer.MAX_VALUE - 8).build().write(tar, out);
      }
      Files.delete(tar);
      new ImagePush(REGISTRY.baseUri()).push("huge/l" + i, "1", List.of(new ImagePush.Layer(
          blob, r.mediaType(), r.annotations(), r.diffId().toString())), List.of("true"));
      Files.delete(blob);
      refs.add(REGISTRY.hostPort() + "/huge/l" + i + ":1");
      digests.add(r.digest().toString());
    }
    Path mnt = tmp.resolve("mnt");
    Path root = tmp.resolve("root");
    try (PodmanSandbox conf = PodmanSandbox.create(mnt, List.of(REGISTRY.hostPort()))) {
      Path config = tmp.resolve("config.toml");
      Files.writeString(config, "[store]\nroot = \"" + root + "\"\nfsync = false\n"
          + "[fetch]\nmemory_cache = \"16MiB\"\nprefetch = false\nbackground = false\n"
          + "[registry]\nregistries_conf = \"" + conf.dir().resolve("registries.conf") + "\"\n");
      try (DaemonProcess d = DaemonProcess.start(config, mnt, tmp.resolve("daemon.log"),
          root.resolve("control.sock"), System.getProperty("srs.daemonHeap", "-Xmx64m"))) {
        ExecutorService readers = Executors.newFixedThreadPool(LAYERS);
        try {
          List<Future<String>> got = new ArrayList<>();
          for (int i = 0; i < LAYERS; i++) {
            Path file = mnt.resolve(ImageDirectoryName.encode(refs.get(i)))
                .resolve(digests.get(i)).resolve("diff").resolve("big");
            got.add(readers.submit(() -> sha256(Files.newInputStream(file))));
          }
          List<String> sums = new ArrayList<>();
          for (Future<String> f : got) {
            try {
              sums.add(f.get());
            } catch (java.util.concurrent.ExecutionException e) {
              sums.add("failed: " + e.getCause());
            }
          }
          System.out.printf("daemon peak RSS reading %d layers of one %d MiB chunk in parallel"
              + " (%s): %d MiB%n", LAYERS, size >> 20,
              System.getProperty("srs.daemonHeap", "-Xmx64m"), d.peakRssBytes() >> 20);
          assertEquals(want, sums, d.logTail());
        } finally {
          readers.shutdownNow();
        }
      }
    }
  }

  /** A tar of one file "big": {@code first}, then zeros up to {@code size}; returns its sha256. */
  private static String writeTar(Path tar, byte first, long size) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    try (OutputStream o = Files.newOutputStream(tar);
        TarArchiveOutputStream t = new TarArchiveOutputStream(o)) {
      TarArchiveEntry e = new TarArchiveEntry("big");
      e.setSize(size);
      t.putArchiveEntry(e);
      byte[] buf = new byte[1 << 20];
      for (long n = 0; n < size; n += buf.length) {
        buf[0] = n == 0 ? first : 0;
        t.write(buf);
        md.update(buf);
      }
      t.closeArchiveEntry();
    }
    return HexFormat.of().formatHex(md.digest());
  }

  private static String sha256(InputStream in) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    try (InputStream i = in) {
      byte[] buf = new byte[1 << 20];
      for (int n; (n = i.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
