package org.stargzstore.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.daemon.run.Daemon;
import org.stargzstore.fs.als.ImageDirectoryName;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.ImagePusher;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.LogRecords;
import org.stargzstore.testkit.OtherUser;
import org.stargzstore.testkit.PodmanSandbox;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.testkit.TestLayers;

/**
 * With the default configuration, the daemon (root) serves rootful podman, and a container
 * running as a non-root user inside, while {@code nobody} on the node reads neither an image's
 * files through the mount nor anything in the store. The test directory holding both is open to
 * everyone, so only the daemon's mount options and store permissions keep nobody out.
 */
@IntegrationTest
class PrivacyEndToEndTest {
  @RegisterExtension static final RegistryServer REGISTRY = RegistryServer.builder().build();
  @TempDir static Path tmp;
  static PodmanWithDaemon env;
  static PodmanSandbox podman;
  static Path mnt;
  static Path root;
  static final LogRecords LOG_CAPTURE = new LogRecords();
  /**
   * Held here: the log manager keeps loggers only weakly, and until the daemon's class is
   * initialised nothing else holds this one, so a collection could drop it with its handler.
   */
  static final Logger DAEMON_LOG = Logger.getLogger(Daemon.class.getName());

  static String image() {
    return REGISTRY.hostPort() + "/privacy/estargz:1";
  }

  @BeforeAll
  static void setUp() throws Exception {
    OtherUser.openToEveryone(tmp);
    Path base = TestLayers.busyboxLayer(tmp.resolve("base.tar"));
    Path data = TestLayers.dataLayer(tmp.resolve("data.tar"), 1);
    ImagePusher.pushimg(REGISTRY, "privacy/estargz:1", "estargz", List.of(base, data));
    DAEMON_LOG.addHandler(LOG_CAPTURE);
    // no [fuse] section: the defaults are what is tested
    env = PodmanWithDaemon.start(REGISTRY, tmp, "[fetch]\nbackground = false\n");
    assertFalse(env.config().allowOther());
    podman = env.podman();
    mnt = env.mountPoint();
    root = env.storeRoot();
  }

  @AfterAll
  static void tearDown() {
    DAEMON_LOG.removeHandler(LOG_CAPTURE);
    if (env != null) {
      env.close();
    }
  }

  @Test
  void rootfulPodmanRunsWhileNobodyReadsNeitherTheMountNorTheStore() throws IOException {
    Path control = tmp.resolve("control.txt");
    Files.writeString(control, "readable by all", StandardCharsets.UTF_8);
    assertEquals(0, OtherUser.read(control).exitCode(), "nobody must read a 0644 file in " + tmp);

    // rootful podman, and a container process that is not root, read through the mount
    ExternalTools.Result asRoot = podman.run(image(), "/bin/cat", "/data/hello.txt");
    assertEquals(0, asRoot.exitCode(), asRoot.output());
    assertTrue(asRoot.output().contains("hello from a lazily pulled layer"), asRoot.output());
    ExternalTools.Result asNobodyInside = podman.podman("run", "--rm", "--network", "none",
        "--runtime", PodmanSandbox.runtime().toString(), "--user", "65534:65534", image(),
        "/bin/cat", "/data/hello.txt");
    assertEquals(0, asNobodyInside.exitCode(), asNobodyInside.output());
    assertTrue(asNobodyInside.output().contains("hello from a lazily pulled layer"));

    // root on the node reads the image's file through the mount; nobody does not
    Path hello = fileInMount("data/hello.txt");
    assertEquals("hello from a lazily pulled layer\n", Files.readString(hello));
    ExternalTools.Result file = OtherUser.read(hello);
    assertNotEquals(0, file.exitCode(), "nobody read " + hello + ": " + file.output());
    assertTrue(file.output().contains("Permission denied"), file.output());
    ExternalTools.Result list = OtherUser.read(mnt);
    assertNotEquals(0, list.exitCode(), "nobody listed the mount: " + list.output());

    // the store: nothing in it is open to others, and nobody reads none of the content
    Map<Path, String> modes = modes(root);
    List<Path> blobs = new ArrayList<>();
    modes.forEach((p, mode) -> {
      assertEquals(Files.isDirectory(p) ? "rwx------" : "rw-------", mode, "mode of " + p);
      if (p.startsWith(root.resolve("blobs")) && Files.isRegularFile(p)) {
        blobs.add(p);
      }
    });
    assertFalse(blobs.isEmpty(), modes.keySet().toString());
    ExternalTools.Result blob = OtherUser.read(blobs.get(0));
    assertNotEquals(0, blob.exitCode(), "nobody read " + blobs.get(0) + ": " + blob.output());
    assertNotEquals(0, OtherUser.read(root).exitCode(), "nobody listed " + root);

    List<String> daemonLog = LOG_CAPTURE.lines();
    assertTrue(daemonLog.stream().anyMatch(l -> l.startsWith("INFO the mount at " + mnt
        + " is usable only by processes running as uid 0 and gid 0")), daemonLog.toString());
  }

  /** {@code path} in the image's data layer, through the mount (the image is known by now). */
  private static Path fileInMount(String path) throws IOException {
    Path imageDir = mnt.resolve(ImageDirectoryName.encode(image()));
    try (Stream<Path> layers = Files.list(imageDir)) {
      return layers.map(l -> l.resolve("diff").resolve(path)).filter(Files::exists).findFirst()
          .orElseThrow(() -> new AssertionError("no layer of " + imageDir + " has " + path));
    }
  }

  /** The permissions of everything under {@code dir}; files that vanish meanwhile are skipped. */
  private static Map<Path, String> modes(Path dir) throws IOException {
    Map<Path, String> out = new TreeMap<>();
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) throws IOException {
        record(d);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
        record(f);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path f, IOException e) throws IOException {
        if (e instanceof NoSuchFileException) {
          return FileVisitResult.CONTINUE;
        }
        throw e;
      }

      private void record(Path p) throws IOException {
        try {
          out.put(p, PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
        } catch (NoSuchFileException e) {
          // a temp file renamed or a blob collected while walking
        }
      }
    });
    assertNotNull(out.get(dir));
    return out;
  }
}
