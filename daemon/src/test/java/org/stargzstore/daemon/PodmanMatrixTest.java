package org.stargzstore.daemon;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.stargzstore.daemon.cli.Main;
import org.stargzstore.testkit.EdgeImage;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.ImagePusher;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.Podman5Root;
import org.stargzstore.testkit.Podman5Sandbox;
import org.stargzstore.testkit.PodmanCli;
import org.stargzstore.testkit.PodmanSandbox;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.testkit.Shared;
import org.stargzstore.testkit.TempDirs;
import org.stargzstore.testkit.TestLayers;
import org.stargzstore.testkit.TreeSnapshot;

/**
 * Issue 15's end-to-end matrix: every layer kind the daemon serves, on podman 4.3.1 and on podman
 * 5.4, must be indistinguishable from a full pull. One image of the same content per kind (a
 * busybox base layer and {@code edge.tar}, every tar feature), pushed once; then per kind and
 * podman version, through the daemon: pull, run, save (each layer tar hashes to its name), push
 * to another repository, image mount (the tree, metadata included, equals the image-mounted tree
 * of a full pull without the store) and, on 5.4, {@code podman system check}. Every step of a
 * combination runs even if an earlier one failed, and the failure lists them all, so one run
 * says which combinations break where.
 */
@IntegrationTest
class PodmanMatrixTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String FETCH = "[fetch]\nbackground = false\nprefetch = false\n";
  private static final int TREE_DIFF_LIMIT = 20;

  /** The layer kinds, each one image in {@link #REGISTRY}. */
  enum Kind {
    ESTARGZ_SNAPSHOTTER("estargz (stargz-snapshotter's library)"),
    ESTARGZ_OURS("estargz (our converter)"),
    ZSTD_PODMAN4("zstd:chunked (pushed by podman 4.3.1)"),
    ZSTD_PODMAN5("zstd:chunked (pushed by podman 5.4)"),
    ZSTD_OURS_STORAGE("zstd:chunked (our converter, containers/storage flavour)"),
    ZSTD_OURS_STARGZ("zstd:chunked (our converter, stargz-snapshotter flavour)");

    final String label;

    Kind(String label) {
      this.label = label;
    }

    String repo() {
      return "matrix/" + name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  /** The registry the lazily served images are in. */
  @RegisterExtension static final RegistryServer REGISTRY = RegistryServer.builder().build();
  /**
   * Where the gzip source image is: another registry, so that podman's blob info cache (global
   * for root) cannot offer the gzip blobs for reuse when podman pushes zstd:chunked to
   * {@link #REGISTRY} (podman 4.3.1 has no {@code --force-compression}).
   */
  @RegisterExtension static final RegistryServer SOURCE = RegistryServer.builder().build();

  static Path work;
  static Optional<String> podman5Unavailable;
  static Podman5Root root;
  static PodmanWithDaemon lazy4;
  static PodmanSandbox full4;
  static Podman5WithDaemon lazy5;
  static Podman5Sandbox full5;
  static final Map<String, String> SUMMARY = new ConcurrentHashMap<>();
  static long started;

  @BeforeAll
  static void setUp() throws Exception {
    started = System.nanoTime();
    work = Files.createTempDirectory("srs-matrix-");
    podman5Unavailable = Podman5Root.unavailableReason();
    // layers end at their end-of-archive marker, as Go's archive/tar writes them (see
    // withoutRecordPadding for why podman 4.3's zstd:chunked needs that)
    Path base = TestLayers.withoutRecordPadding(TestLayers.busyboxLayer(work.resolve("base.tar")));
    List<Path> layers = List.of(base, TestLayers.withoutRecordPadding(edgeLayer(work)));
    ImagePusher.pushimg(SOURCE, "matrix/src:gzip", "gzip", layers);
    ImagePusher.pushimg(REGISTRY, Kind.ESTARGZ_SNAPSHOTTER.repo() + ":1", "estargz", layers);
    convert("estargz", Kind.ESTARGZ_OURS);
    convert("zstd-chunked", Kind.ZSTD_OURS_STORAGE);
    convert("zstd-chunked-stargz", Kind.ZSTD_OURS_STARGZ);
    String src = SOURCE.hostPort() + "/matrix/src:gzip";
    try (PodmanSandbox p = PodmanSandbox.create(null, insecure())) {
      p.ok("pull", "-q", src);
      p.podman(600, "push", "-q", "--compression-format", "zstd:chunked", src,
          "docker://" + image(Kind.ZSTD_PODMAN4)).requireSuccess();
    }
    requireZstdChunked(Kind.ZSTD_PODMAN4, "io.containers.zstd-chunked.");
    lazy4 = PodmanWithDaemon.start(REGISTRY, work.resolve("podman4"), FETCH);
    full4 = PodmanSandbox.create(null, insecure());
    if (podman5Unavailable.isEmpty()) {
      root = Podman5Root.open();
      try (Podman5Sandbox p = Podman5Sandbox.builder(root).insecure(insecure()).create()) {
        p.ok("pull", "-q", src);
        p.podman(600, "push", "-q", "--compression-format", "zstd:chunked",
            "--force-compression", src, "docker://" + image(Kind.ZSTD_PODMAN5)).requireSuccess();
      }
      requireZstdChunked(Kind.ZSTD_PODMAN5, "io.github.containers.zstd-chunked.");
      lazy5 = Podman5WithDaemon.start(REGISTRY, root, FETCH);
      full5 = Podman5Sandbox.builder(root).insecure(insecure()).partialPulls(false).create();
    }
  }

  @AfterAll
  static void tearDown() throws Exception {
    try {
      for (AutoCloseable c : new AutoCloseable[] {lazy4, full4, lazy5, full5}) {
        if (c != null) {
          c.close();
        }
      }
    } finally {
      if (root != null) {
        root.close();
      }
      TempDirs.deleteRecursively(work);
    }
    StringBuilder s = new StringBuilder("podman matrix (" + (System.nanoTime() - started)
        / 1_000_000_000 + " s wall time, set-up included):");
    SUMMARY.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .forEach(e -> s.append("\n").append(e.getKey()).append(": ").append(e.getValue()));
    System.out.println(s);
  }

  /**
   * {@code edge.tar} with one change. Its {@code gone/.wh.removed-file} whites out a file no
   * lower layer has, in a directory only this layer has: overlayfs then lists the whiteout in
   * {@code readdir} but {@code lstat} says ENOENT, and podman 5.4's {@code system check} fails on a
   * full pull without the store ({@code scanning contents of layer ...: archive/tar: FileInfo is
   * nil}). So that member is replaced by {@code etc/.wh.removed-later}, a whiteout of a file the
   * busybox base layer has, in a directory both layers have (whiteouts stay covered). GNU tar
   * deletes and appends without rewriting the other members.
   */
  private static Path edgeLayer(Path dir) throws IOException {
    Path out = dir.resolve("edge-for-podman.tar");
    Path add = Files.createDirectories(dir.resolve("edge-add/etc"));
    Files.createFile(add.resolve(".wh.removed-later"));
    Files.copy(Shared.fixture("edge.tar"), out);
    ExternalTools.run(List.of("tar", "--delete", "-f", out.toString(), "gone/.wh.removed-file"),
        60).requireSuccess();
    ExternalTools.run(List.of("tar", "--format=posix", "--owner=0", "--group=0",
        "--numeric-owner", "--mtime=@1700000000", "--mode=0644", "-rf", out.toString(), "-C",
        add.getParent().toString(), "etc/.wh.removed-later"), 60).requireSuccess();
    return out;
  }

  /** The manifest of {@code repo:tag} in {@link #REGISTRY} (OCI or Docker schema 2). */
  private static JsonNode manifest(String repo, String tag) throws IOException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    try {
      HttpResponse<String> m = http.send(HttpRequest.newBuilder(URI.create(REGISTRY.baseUri()
          + "/v2/" + repo + "/manifests/" + tag)).header("Accept",
          "application/vnd.oci.image.manifest.v1+json, "
              + "application/vnd.docker.distribution.manifest.v2+json").build(),
          HttpResponse.BodyHandlers.ofString());
      if (m.statusCode() != 200) {
        throw new IOException("manifest of " + repo + ":" + tag + ": HTTP " + m.statusCode());
      }
      return JSON.readTree(m.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  /**
   * The image podman pushed as zstd:chunked really is (not a reused gzip blob), with the
   * annotations of its podman generation: {@code io.containers.zstd-chunked.*} for 4.3.1 (which
   * podman 5.1+ does not look up), {@code io.github.containers.zstd-chunked.*} for 5.4.
   */
  private static void requireZstdChunked(Kind kind, String annotationPrefix) throws IOException {
    JsonNode layers = manifest(kind.repo(), "1").path("layers");
    for (JsonNode l : layers) {
      String type = l.path("mediaType").asText();
      boolean annotated = false;
      for (var it = l.path("annotations").fieldNames(); it.hasNext(); ) {
        annotated |= it.next().startsWith(annotationPrefix);
      }
      if (!type.endsWith("+zstd") || !annotated) {
        throw new IOException(kind.label + ": layer " + l + " is not zstd:chunked with "
            + annotationPrefix + "* annotations");
      }
    }
  }

  private static List<String> insecure() {
    return List.of(REGISTRY.hostPort(), SOURCE.hostPort());
  }

  private static String image(Kind kind) {
    return REGISTRY.hostPort() + "/" + kind.repo() + ":1";
  }

  /** {@code stargz-registry-storage convert --format FORMAT} of the gzip source, in this JVM. */
  private static void convert(String format, Kind kind) throws IOException {
    Path dir = Files.createDirectories(work.resolve("convert-" + format));
    Files.writeString(dir.resolve("config.toml"), "");
    Files.writeString(dir.resolve("registries.conf"), "");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      code = Main.run(o, e, "--config", dir.resolve("config.toml").toString(), "convert",
          "--format", format, "--tls-verify=false",
          "--registries-conf", dir.resolve("registries.conf").toString(),
          "--authfile", dir.resolve("auth.json").toString(),
          "--certs-d", dir.resolve("certs.d").toString(),
          "docker://" + SOURCE.hostPort() + "/matrix/src:gzip", "docker://" + image(kind));
    }
    if (code != 0) {
      throw new IOException("convert --format " + format + " failed (" + code + "): "
          + err.toString(StandardCharsets.UTF_8));
    }
  }

  @ParameterizedTest(name = "podman 4.3.1: {0}")
  @EnumSource(Kind.class)
  void podman4(Kind kind) throws Exception {
    assumeKindAvailable(kind);
    new Combination(kind, lazy4.podman(), lazy4.inJvm(), full4).check();
  }

  @ParameterizedTest(name = "podman 5.4: {0}")
  @EnumSource(Kind.class)
  void podman5(Kind kind) throws Exception {
    assumeTrue(podman5Unavailable.isEmpty(), () -> podman5Unavailable.orElseThrow());
    new Combination(kind, lazy5.podman(), lazy5.inJvm(), full5).check();
  }

  private static void assumeKindAvailable(Kind kind) {
    if (kind == Kind.ZSTD_PODMAN5) {
      assumeTrue(podman5Unavailable.isEmpty(), () -> "no podman 5 to push this image: "
          + podman5Unavailable.orElseThrow());
    }
  }

  /** One layer kind on one podman version: every step, every failure collected. */
  private static final class Combination {
    private final Kind kind;
    private final PodmanCli podman;
    private final InJvmDaemon daemon;
    private final PodmanCli full;
    private final String image;
    private final List<String> failures = new ArrayList<>();

    Combination(Kind kind, PodmanCli podman, InJvmDaemon daemon, PodmanCli full) {
      this.kind = kind;
      this.podman = podman;
      this.daemon = daemon;
      this.full = full;
      this.image = image(kind);
    }

    /** True when this podman never asks the store for this kind (design note section 6). */
    private boolean neverAsked() {
      return kind == Kind.ZSTD_PODMAN4 && podman instanceof Podman5Sandbox;
    }

    void check() throws IOException {
      String key = podman.name() + " | " + kind.label;
      try {
        String summary = runSteps();
        SUMMARY.put(key, summary + (failures.isEmpty() ? " | all ok"
            : " | FAILED: " + String.join("; ", failures.stream()
                .map(f -> f.lines().findFirst().orElse(f)).toList())));
      } finally {
        podman.podman(120, "image", "unmount", "--all");
        podman.podman(120, "rmi", "-f", image);
        full.podman(120, "image", "unmount", "--all");
        full.podman(120, "rmi", "-f", image);
      }
      if (!failures.isEmpty()) {
        throw new AssertionError(key + ": " + failures.size() + " step(s) failed:\n\n"
            + String.join("\n\n", failures));
      }
    }

    /**
     * podman 5.4 refuses the podman 4.3.1 zstd:chunked image even without the store: podman
     * 4.3.1 records the DiffID of the tar it compressed, but its zstd:chunked compressor drops
     * the tar's final record padding, so the blob decompresses to another digest, which podman
     * 5 checks ({@code layer 1 (...) does not match config's DiffID}; podman 4.3.1 does not, and
     * pulls it fully). Then the pull through the daemon must fail the same way, without asking it:
     * indistinguishable from a pull without the store.
     */
    private String rejectedWithAndWithoutTheStore(ExternalTools.Result pull) throws IOException {
      ExternalTools.Result fullPull = full.podman(600, "pull", "-q", image);
      String why = "does not match config's DiffID";
      if (fullPull.exitCode() == 0 || !fullPull.output().contains(why)
          || !pull.output().contains(why)) {
        failures.add("pull: exit " + pull.exitCode() + "\n" + pull.output()
            + "\n(the same pull without the store: exit " + fullPull.exitCode() + "\n"
            + fullPull.output() + ")");
        return "pull failed";
      }
      step("layers served by the daemon", this::servedLazily);
      return "not asked; podman 5.4 rejects the image with and without the store (" + why + ")";
    }

    /** Every step after the two pulls; returns what to print in the summary. */
    private String runSteps() throws IOException {
      ExternalTools.Result pull = podman.podman(600, "pull", "-q", image);
      if (pull.exitCode() != 0 && neverAsked()) {
        return rejectedWithAndWithoutTheStore(pull);
      }
      if (pull.exitCode() != 0) {
        failures.add("pull: exit " + pull.exitCode() + "\n" + pull.output());
        return "pull failed";
      }
      ExternalTools.Result fullPull = full.podman(600, "pull", "-q", image);
      if (fullPull.exitCode() != 0) {
        failures.add("full pull without the store (the reference): exit "
            + fullPull.exitCode() + "\n" + fullPull.output());
        return "full pull failed";
      }
      String served = step("layers served by the daemon", this::servedLazily);
      step("run", this::run);
      String saved = step("save", this::save);
      step("push to another repository", this::push);
      step("image mount equals a full pull", this::compareWithFullPull);
      if (podman instanceof Podman5Sandbox) {
        step("system check", this::systemCheck);
      }
      return (served == null ? "?" : served) + (saved == null ? "" : " | " + saved);
    }

    private interface Step {
      String run() throws Exception;
    }

    private String step(String name, Step s) {
      try {
        return s.run();
      } catch (AssertionError e) {
        failures.add(name + ": " + e.getMessage());
        return null;
      } catch (Exception e) {
        failures.add(name + ": " + e);
        return null;
      }
    }

    /**
     * What the same podman command does on the full pull, for a failure message: a command that
     * fails there too is podman's limit, not the store's.
     */
    private String onFullPull(String... args) throws IOException {
      ExternalTools.Result r = full.podman(600, args);
      return r.exitCode() == 0 ? "\n(the same command on a full pull without the store: exit 0)"
          : "\n(the same command on a full pull without the store fails too, exit "
              + r.exitCode() + ":\n" + r.output() + ")";
    }

    /**
     * Which layers the daemon served lazily (status report). podman 5.4 never asks for the
     * podman 4.3.1 zstd:chunked image (only the old {@code io.containers.zstd-chunked.*}
     * annotations, which podman 5.1+ does not look up): it must be pulled normally there.
     */
    private String servedLazily() {
      Optional<JsonNode> status = daemon.imageStatus(image);
      if (neverAsked()) {
        assertTrue(status.isEmpty(), "podman 5.4 asked the daemon for the podman 4.3.1 "
            + "zstd:chunked image: " + status);
        return "not asked (pulled normally)";
      }
      JsonNode img = status.orElseThrow(() -> new AssertionError(
          "the daemon did not serve " + image));
      List<String> layers = new ArrayList<>();
      boolean allLazy = true;
      for (JsonNode l : img.path("layers")) {
        boolean lazy = l.path("lazy").asBoolean();
        allLazy &= lazy;
        layers.add(lazy ? "lazy " + l.path("format").asText()
            : "not lazy (" + l.path("reason").asText() + ")");
      }
      String s = "layers " + layers;
      assertTrue(allLazy && layers.size() == 2, "not every layer was served lazily: " + s);
      return s;
    }

    private String run() throws IOException {
      String want = new String(EdgeImage.member("opaque/kept"), StandardCharsets.UTF_8);
      ExternalTools.Result r = podman.run(image, "/bin/cat", "/opaque/kept");
      assertTrue(r.exitCode() == 0 && r.output().equals(want),
          "exit " + r.exitCode() + ", want " + want + ", got:\n" + r.output());
      return null;
    }

    private String save() throws IOException {
      Path out = podman.dir().resolve("saved.tar");
      Path unpacked = podman.dir().resolve("saved");
      try {
        boolean dir = saveFormat().equals("oci-dir");
        ExternalTools.Result save = podman.podman(600, saveArgs(podman, dir ? unpacked : out));
        if (save.exitCode() != 0) {
          Path ref = full.dir().resolve(dir ? "saved" : "saved.tar");
          String baseline = onFullPull(saveArgs(full, ref));
          TempDirs.deleteRecursively(ref);
          Files.deleteIfExists(ref);
          throw new AssertionError("exit " + save.exitCode() + ":\n" + save.output() + baseline);
        }
        if (!dir) {
          Files.createDirectories(unpacked);
          ExternalTools.run(List.of("tar", "-xf", out.toString(), "-C", unpacked.toString()), 120)
              .requireSuccess();
        }
        Map<String, String> layers = savedLayers(unpacked);
        List<String> bad = new ArrayList<>();
        for (Map.Entry<String, String> l : layers.entrySet()) {
          String sum = TreeSnapshot.sha256(unpacked.resolve(l.getKey()));
          if (!sum.equals(l.getValue())) {
            bad.add(l.getKey() + " hashes to " + sum);
          }
        }
        assertTrue(bad.isEmpty() && layers.size() == 2, saveFormat() + " layers "
            + layers.keySet() + " (2 expected); not hashing to their names: " + bad);
        return "saved " + saveFormat() + " " + layerMediaTypes(unpacked);
      } finally {
        Files.deleteIfExists(out);
        TempDirs.deleteRecursively(unpacked);
      }
    }

    /** The layer media types of an unpacked OCI layout (what podman kept: tar, tar+gzip...). */
    private static List<String> layerMediaTypes(Path dir) throws IOException {
      if (!Files.exists(dir.resolve("index.json"))) {
        return List.of();
      }
      String manifest = JSON.readTree(dir.resolve("index.json").toFile()).path("manifests")
          .get(0).path("digest").asText().substring("sha256:".length());
      List<String> out = new ArrayList<>();
      JSON.readTree(dir.resolve("blobs/sha256/" + manifest).toFile()).path("layers")
          .forEach(l -> out.add(l.path("mediaType").asText()));
      return out;
    }

    /**
     * The layer files of an unpacked {@code podman save} archive and the sha256 each must have:
     * a docker-archive's {@code manifest.json} names them {@code HEX.tar}, an oci-archive's
     * manifest (found through {@code index.json}) by digest.
     */
    private static Map<String, String> savedLayers(Path dir) throws IOException {
      Map<String, String> out = new LinkedHashMap<>();
      Path docker = dir.resolve("manifest.json");
      if (Files.exists(docker)) {
        for (JsonNode l : JSON.readTree(docker.toFile()).get(0).path("Layers")) {
          String name = l.asText();
          out.put(name, name.replaceAll(".*?([0-9a-f]{64}).*", "$1"));
        }
        return out;
      }
      String manifest = JSON.readTree(dir.resolve("index.json").toFile()).path("manifests")
          .get(0).path("digest").asText().substring("sha256:".length());
      for (JsonNode l : JSON.readTree(dir.resolve("blobs/sha256/" + manifest).toFile())
          .path("layers")) {
        String hex = l.path("digest").asText().substring("sha256:".length());
        out.put("blobs/sha256/" + hex, hex);
      }
      return out;
    }

    /**
     * {@code docker-archive} (podman's default), except for zstd:chunked on podman 4.3.1, which
     * cannot save a zstd image in that format even from a full pull ({@code Error during manifest
     * conversion: "application/vnd.oci.image.layer.v1.tar+zstd": zstd compression is not
     * supported for docker images}): {@code oci-dir --uncompressed} there, whose layer blobs are
     * named by their digest. Uncompressed, because an oci-archive recompresses the layers (gzip),
     * a stream of unknown size, and so would not check the layer size {@code info} claims as the
     * docker-archive does.
     */
    private String saveFormat() {
      return kind.name().startsWith("ZSTD") && podman instanceof PodmanSandbox
          ? "oci-dir" : "docker-archive";
    }

    private String[] saveArgs(PodmanCli p, Path to) {
      List<String> a = new ArrayList<>(List.of("save", "--format", saveFormat()));
      if (saveFormat().equals("oci-dir")) {
        a.add("--uncompressed");
      }
      a.addAll(List.of("-o", p.inside(to), image));
      return a.toArray(String[]::new);
    }

    private String push() throws Exception {
      String target = REGISTRY.hostPort() + "/matrix/pushed-"
          + podman.name().replace(' ', '-').replace('.', '-') + "-" + kind.repo()
          .substring("matrix/".length()) + ":1";
      podman.podman(600, "push", "-q", image, "docker://" + target).requireSuccess();
      // the pushed image is whole: its manifest names two layers the registry has
      String repo = target.substring(REGISTRY.hostPort().length() + 1, target.lastIndexOf(':'));
      JsonNode layers = manifest(repo, "1").path("layers");
      assertTrue(layers.size() == 2, "pushed manifest of " + target + ": " + layers);
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
      for (JsonNode l : layers) {
        HttpResponse<Void> b = http.send(HttpRequest.newBuilder(URI.create(REGISTRY.baseUri()
            + "/v2/" + repo + "/blobs/" + l.path("digest").asText()))
            .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
            HttpResponse.BodyHandlers.discarding());
        assertTrue(b.statusCode() == 200, "blob " + l.path("digest").asText() + " of " + target
            + ": HTTP " + b.statusCode());
      }
      return null;
    }

    /**
     * The image-mounted rootfs of the lazy pull equals that of a full pull without the store:
     * type, mode, owner, size, mtime (seconds), link target, device numbers, xattrs (all
     * namespaces, getfattr), content hash, and which paths are hardlinks of each other.
     */
    private String compareWithFullPull() throws IOException {
      Path want = full.onHost(full.ok("image", "mount", image).strip());
      Path got = podman.onHost(podman.ok("image", "mount", image).strip());
      Map<String, TreeSnapshot.Facts> wantTree = TreeSnapshot.take(want, TreeSnapshot.Xattrs.ALL);
      Map<String, TreeSnapshot.Facts> gotTree = TreeSnapshot.take(got, TreeSnapshot.Xattrs.ALL);
      if (podman instanceof PodmanSandbox) {
        // podman 4.3.1 sets a layer's xattrs from the Xattrs map of its vendored Go
        // archive/tar, whose PAX merge skips empty values, so its full pull drops an xattr whose
        // value is empty (edge.tar's xattr/file has user.empty); podman 5 (PAXRecords) and the
        // store keep it, as the layer's tar says
        gotTree = TreeSnapshot.withoutEmptyXattrs(gotTree);
      }
      assertTrue(wantTree.containsKey("bin/busybox") && wantTree.containsKey("opaque/kept"),
          "the full pull's tree at " + want + " lacks the image's files: " + wantTree.keySet());
      String report = TreeSnapshot.diffReport(wantTree, gotTree, TREE_DIFF_LIMIT);
      assertTrue(report.isEmpty(), "the lazily pulled tree (" + got + ") differs from a full "
          + "pull's (" + want + "): " + report);
      List<List<String>> wantLinks = TreeSnapshot.hardlinkGroups(want);
      List<List<String>> gotLinks = TreeSnapshot.hardlinkGroups(got);
      assertTrue(wantLinks.equals(gotLinks), "hardlinks: full pull " + wantLinks
          + ", lazy pull " + gotLinks);
      return null;
    }

    private String systemCheck() throws IOException {
      ExternalTools.Result r = podman.podman(600, "system", "check");
      if (r.exitCode() != 0 || r.output().toLowerCase(Locale.ROOT).contains("layer")) {
        throw new AssertionError("exit " + r.exitCode() + ":\n" + r.output()
            + onFullPull("system", "check"));
      }
      return null;
    }
  }
}
