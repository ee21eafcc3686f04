package org.stargzstore.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.daemon.config.DaemonConfig;
import org.stargzstore.daemon.run.StoreServices;
import org.stargzstore.fs.als.ImageDirectoryName;
import org.stargzstore.fs.fuse.FuseMount;
import org.stargzstore.fs.gc.StoreVerifier;
import org.stargzstore.fs.store.StoreFormat;
import org.stargzstore.testkit.ImagePusher;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.testkit.TestLayers;
import org.stargzstore.types.Digest;
import org.stargzstore.zstdchunked.LayerFormats;

/**
 * SIGKILL at random moments, at least 20 times (-Dsrs.killIterations=N for a longer soak): while
 * a format-1 store is being migrated, while layers stream in the background and chunks are being
 * written, while the collector deletes stale content with a tiny budget. After each restart the
 * daemon serves again; at the end the store verifies clean, is in the current format, and every
 * file reads back byte for byte.
 */
@IntegrationTest
class KillLoopTest {
  @RegisterExtension static final RegistryServer REGISTRY = RegistryServer.builder().build();
  @TempDir Path tmp;

  static Map<String, String> sha256ByPath(List<Path> tars) throws Exception {
    Map<String, String> out = new LinkedHashMap<>();
    for (Path t : tars) {
      try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(t))) {
        TarArchiveEntry e;
        while ((e = in.getNextEntry()) != null) {
          if (e.isFile() && !e.isSymbolicLink() && !e.isLink() && !e.getName().contains(".wh.")) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(in.readAllBytes());
            out.put(e.getName(), HexFormat.of().formatHex(md.digest()));
          }
        }
      }
    }
    return out;
  }

  static String sha256(Path p) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    try (InputStream in = Files.newInputStream(p)) {
      byte[] b = new byte[1 << 16];
      int n;
      while ((n = in.read(b)) > 0) {
        md.update(b, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  /** A format-1 store (flat blobs, no VERSION) full of content nobody references. */
  static void writeFormatOneStore(Path root, int blobs) throws IOException {
    Path dir = root.resolve("blobs/sha256");
    Files.createDirectories(dir);
    Random r = new Random(7);
    for (int i = 0; i < blobs; i++) {
      byte[] b = new byte[256 + r.nextInt(4096)];
      r.nextBytes(b);
      Files.write(dir.resolve(Digest.of(b).hex()), b);
    }
  }

  @Test
  void killedAtRandomPointsTheStoreStaysConsistentAndReadsStayExact() throws Exception {
    int iterations = Integer.getInteger("srs.killIterations", 20);
    Path base = TestLayers.busyboxLayer(tmp.resolve("base.tar"));
    Path data = TestLayers.dataLayer(tmp.resolve("data.tar"), 16);
    String pushed = ImagePusher.pushimg(REGISTRY, "kill/estargz:1", "estargz",
        List.of(base, data), "--chunk", "65536");
    List<String> layerDigests = new ArrayList<>();
    for (String line : pushed.split("\n")) {
      if (line.contains("\"layer\"")) {
        layerDigests.add(new com.fasterxml.jackson.databind.ObjectMapper().readTree(line)
            .get("digest").asText());
      }
    }
    Map<String, String> want = new LinkedHashMap<>();
    Map<String, String> layerOf = new LinkedHashMap<>();
    for (int i = 0; i < 2; i++) {
      Map<String, String> files = sha256ByPath(List.of(i == 0 ? base : data));
      want.putAll(files);
      for (String f : files.keySet()) {
        layerOf.put(f, layerDigests.get(i));
      }
    }
    want.remove("etc/removed-later");
    Path root = tmp.resolve("root");
    writeFormatOneStore(root, 30_000);
    Path registries = tmp.resolve("registries.conf");
    Files.writeString(registries, "[[registry]]\nlocation = \"" + REGISTRY.hostPort()
        + "\"\ninsecure = true\n");
    Path config = tmp.resolve("config.toml");
    Files.writeString(config, "[store]\nroot = \"" + root + "\"\nmax_bytes = \"1MiB\"\n"
        + "gc_interval = \"1s\"\nfsync = false\n"
        + "[fetch]\nbackground_request = \"256KiB\"\n"
        + "[registry]\nregistries_conf = \"" + registries + "\"\n");
    Path mnt = tmp.resolve("mnt");
    Path log = tmp.resolve("daemon.log");
    Path image = mnt.resolve(ImageDirectoryName.encode(REGISTRY.hostPort() + "/kill/estargz:1"));
    Random rnd = new Random(Long.getLong("srs.killSeed", 1));
    List<String> files = new ArrayList<>(want.keySet());
    int servedBeforeKill = 0;
    for (int i = 0; i < iterations; i++) {
      if (i < 4) {
        // early kills land in the migration of the format-1 store (before the mount is up)
        DaemonProcess d = DaemonProcess.launch(config, mnt, log);
        Thread.sleep(150 + rnd.nextInt(600));
        d.kill();
        continue;
      }
      DaemonProcess d = DaemonProcess.start(config, mnt, log, root.resolve("control.sock"));
      try {
        // read a few files while the background stream and the collector run, then die
        long deadline = System.currentTimeMillis() + 200 + rnd.nextInt(1500);
        while (System.currentTimeMillis() < deadline) {
          String f = files.get(rnd.nextInt(files.size()));
          Path file = image.resolve(layerOf.get(f)).resolve("diff").resolve(f);
          assertEquals(want.get(f), sha256(file), f);
          servedBeforeKill++;
        }
      } finally {
        d.kill();
      }
    }
    assertTrue(servedBeforeKill > 0, "files were read between kills");
    // the survivor: everything reads back exactly
    try (DaemonProcess d = DaemonProcess.start(config, mnt, log, root.resolve("control.sock"))) {
      for (Map.Entry<String, String> e : want.entrySet()) {
        Path file = image.resolve(layerOf.get(e.getKey())).resolve("diff").resolve(e.getKey());
        assertEquals(e.getValue(), sha256(file), e.getKey());
      }
      d.terminate();
    }
    assertFalse(FuseMount.isMounted(mnt));
    DaemonConfig cfg = DaemonConfig.load(config, true);
    StoreServices s = StoreServices.open(cfg, LayerFormats.all());
    StoreVerifier.Result v = StoreVerifier.verify(s.content);
    assertEquals(List.of(), v.removed(), "every stored blob matches its digest");
    assertEquals(StoreFormat.CURRENT, StoreFormat.read(s.layout));
    assertFalse(Files.exists(s.layout.migrationJournal()), "migration finished");
    try (Stream<Path> t = Files.list(s.layout.tmpDir())) {
      assertEquals(0, t.count(), "no temp files left");
    }
  }
}
