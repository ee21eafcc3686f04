package org.stargzstore.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.fs.als.ImageDirectoryName;
import org.stargzstore.fs.fuse.FuseMount;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.ExternalTools.Result;
import org.stargzstore.testkit.ImagePusher;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.testkit.TestLayers;

/**
 * The documented install (docs/install.md) from an operator's side: {@code scripts/package.sh}
 * builds the release tarball and the .deb from the packaged jar; the .deb's files, unpacked into
 * an empty root, run the daemon (by their installed path and through a symlink on the PATH)
 * against a real registry and serve a file; the tarball's {@code install.sh} installs into a
 * staging root under another prefix, keeps the operator's config on upgrade and uninstalls.
 * An integration test (failsafe): it needs the jar {@code package} builds.
 */
@IntegrationTest
class InstallIT {
  private static final String NAME = "stargz-registry-storage";
  @RegisterExtension static final RegistryServer REGISTRY = RegistryServer.builder().build();
  @TempDir static Path tmp;
  static Path project;
  static String version;
  static Path tarball;
  static Path deb;

  @BeforeAll
  static void buildPackages() throws Exception {
    project = Path.of(System.getProperty("srs.projectRoot"));
    version = System.getProperty("srs.version");
    Result r = ExternalTools.run(List.of("bash", project.resolve("scripts/package.sh").toString(),
        "--no-build", tmp.resolve("dist").toString()), 600);
    assertEquals(0, r.exitCode(), r.output());
    tarball = tmp.resolve("dist/" + NAME + "-" + version + ".tar.gz");
    deb = tmp.resolve("dist/" + NAME + "_" + version.replace('-', '~') + "_all.deb");
    assertTrue(Files.isRegularFile(tarball), r.output());
    assertTrue(Files.isRegularFile(deb), r.output());
  }

  @Test
  void debDeclaresVersionDependenciesAndConffile() throws Exception {
    String fields = run("dpkg-deb", "-f", deb.toString(), "Package", "Version", "Depends");
    assertTrue(fields.contains("Package: " + NAME + "\n"), fields);
    assertTrue(fields.contains("Version: " + version.replace('-', '~') + "\n"), fields);
    for (String dep : List.of("openjdk-17-jre-headless | java17-runtime-headless", "fuse3",
        "libfuse2", "curl")) {
      assertTrue(fields.contains(dep), "Depends names " + dep + ": " + fields);
    }
    assertEquals("/etc/" + NAME + "/config.toml\n",
        run("dpkg-deb", "--info", deb.toString(), "conffiles"));
  }

  @Test
  void installedDebRunsTheDaemonAndServesAFile() throws Exception {
    Path root = tmp.resolve("deb-root");
    run("dpkg-deb", "-x", deb.toString(), root.toString());
    Path launcher = root.resolve("usr/bin/" + NAME);
    assertTrue(Files.isRegularFile(root.resolve("usr/lib/" + NAME + "/" + NAME + ".jar")));
    assertTrue(Files.isExecutable(root.resolve("usr/bin/" + NAME + "-auth-helper")));
    assertTrue(Files.readString(root.resolve("lib/systemd/system/" + NAME + ".service"))
        .contains("\nExecStart=/usr/bin/" + NAME + " "), "the unit runs the installed launcher");
    String completion = Files.readString(
        root.resolve("usr/share/bash-completion/completions/" + NAME));
    assertTrue(completion.contains("complete -F") && completion.contains("convert"), completion);

    assertEquals(NAME + " " + version + "\n", run(launcher.toString(), "--version"));
    assertTrue(run(launcher.toString(), "--help").contains("MOUNTPOINT"));
    Path pathDir = Files.createDirectories(tmp.resolve("path-bin"));
    Files.createSymbolicLink(pathDir.resolve(NAME), launcher);
    assertEquals(NAME + " " + version + "\n",
        run("env", "PATH=" + pathDir + ":/usr/bin:/bin", NAME, "--version"),
        "the launcher found on the PATH through a symlink finds its jar");

    Path base = TestLayers.busyboxLayer(tmp.resolve("base.tar"));
    Path data = TestLayers.dataLayer(tmp.resolve("data.tar"), 1);
    String pushed = ImagePusher.pushimg(REGISTRY, "install/estargz:1", "estargz",
        List.of(base, data));
    String dataLayer = layerDigests(pushed).get(1);
    Path registries = tmp.resolve("registries.conf");
    Files.writeString(registries, "[[registry]]\nlocation = \"" + REGISTRY.hostPort()
        + "\"\ninsecure = true\n");
    // the installed example config, as shipped, with only the test registry added
    Path config = tmp.resolve("config.toml");
    Files.writeString(config, Files.readString(root.resolve("etc/" + NAME + "/config.toml"))
        + "\n[registry]\nregistries_conf = \"" + registries + "\"\n");
    Path store = tmp.resolve("store");
    Path mnt = tmp.resolve("mnt");
    Path socket = store.resolve("control.sock");
    List<String> daemon = List.of(pathDir.resolve(NAME).toString(), "--config", config.toString(),
        "--root", store.toString(), "--log-level", "debug", mnt.toString());
    try (DaemonProcess d = DaemonProcess.start(daemon, mnt, tmp.resolve("daemon.log"), socket)) {
      String ref = REGISTRY.hostPort() + "/install/estargz:1";
      Path hello = mnt.resolve(ImageDirectoryName.encode(ref)).resolve(dataLayer)
          .resolve("diff/data/hello.txt");
      assertEquals("hello from a lazily pulled layer\n", Files.readString(hello), d.logTail());
      Result helper = runWithInput(List.of("env", "SRS_CONTROL_SOCKET=" + socket,
              root.resolve("usr/bin/" + NAME + "-auth-helper").toString()),
          "{\"" + ref + "\": {\"username\": \"u\", \"password\": \"p\"}}");
      assertEquals(0, helper.exitCode(), "the installed auth helper reaches the daemon: "
          + helper.output());
      d.terminate();
      assertFalse(FuseMount.isMounted(mnt), "SIGTERM to the installed launcher unmounts");
    }
  }

  @Test
  void tarballRunsInPlaceAndItsInstallScriptInstallsUpgradesAndUninstalls() throws Exception {
    Path unpacked = Files.createDirectories(tmp.resolve("unpacked"));
    run("tar", "-C", unpacked.toString(), "-xzf", tarball.toString());
    Path release = unpacked.resolve(NAME + "-" + version);
    assertEquals(NAME + " " + version + "\n",
        run(release.resolve("bin/" + NAME).toString(), "--version"));

    Path dest = tmp.resolve("dest");
    String install = release.resolve("install.sh").toString();
    run("bash", install, "DESTDIR=" + dest, "--prefix", "/opt/srs");
    assertTrue(Files.readString(dest.resolve("etc/systemd/system/" + NAME + ".service"))
        .contains("\nExecStart=/opt/srs/bin/" + NAME + " "), "ExecStart follows the prefix");
    assertEquals(NAME + " " + version + "\n",
        run(dest.resolve("opt/srs/bin/" + NAME).toString(), "--version"));
    assertTrue(Files.isRegularFile(dest.resolve("opt/srs/lib/" + NAME + "/" + NAME + ".jar")));
    assertTrue(Files.isRegularFile(
        dest.resolve("opt/srs/share/bash-completion/completions/" + NAME)));
    Path config = dest.resolve("etc/" + NAME + "/config.toml");
    Files.writeString(config, "[store]\nmax_bytes = \"1GiB\"\n");

    String again = run("bash", install, "DESTDIR=" + dest, "--prefix", "/opt/srs");
    assertTrue(again.contains("kept"), again);
    assertEquals("[store]\nmax_bytes = \"1GiB\"\n", Files.readString(config),
        "an upgrade keeps the operator's config");

    run("bash", install, "DESTDIR=" + dest, "--prefix", "/opt/srs", "--uninstall");
    assertFalse(Files.exists(dest.resolve("opt/srs/bin/" + NAME)));
    assertFalse(Files.exists(dest.resolve("opt/srs/lib/" + NAME)));
    assertFalse(Files.exists(dest.resolve("etc/systemd/system/" + NAME + ".service")));
    assertTrue(Files.exists(config), "uninstall without --purge keeps the config");
  }

  @Test
  void checkoutInstallScriptInstallsTheBuiltJarUnderUsrLocal() throws Exception {
    Path dest = tmp.resolve("checkout-dest");
    run("bash", project.resolve("scripts/install.sh").toString(), "--destdir", dest.toString());
    assertEquals(NAME + " " + version + "\n",
        run(dest.resolve("usr/local/bin/" + NAME).toString(), "--version"));
    assertTrue(Files.readString(dest.resolve("etc/systemd/system/" + NAME + ".service"))
        .contains("\nExecStart=/usr/local/bin/" + NAME + " "));
    assertTrue(Files.readString(
            dest.resolve("usr/local/share/bash-completion/completions/" + NAME))
        .contains("complete -F"), "completion generated from the checkout's jar");
    assertTrue(Files.isRegularFile(dest.resolve("etc/" + NAME + "/config.toml")));
  }

  @Test
  void checkoutLauncherStillRunsTheBuiltJar() throws Exception {
    assertEquals(NAME + " " + version + "\n",
        run(project.resolve("bin/" + NAME).toString(), "--version"));
  }

  @Test
  void launcherWithoutAJarSaysWhereItLooked() throws Exception {
    assumeFalse(Files.exists(Path.of("/usr/lib/" + NAME)) || Files.exists(
        Path.of("/usr/local/lib/" + NAME)), "a jar is installed on this machine");
    Path lone = Files.createDirectories(tmp.resolve("lone/bin")).resolve(NAME);
    Files.copy(project.resolve("bin/" + NAME), lone);
    Result r = ExternalTools.run(List.of("sh", lone.toString(), "--version"), 60);
    assertEquals(1, r.exitCode(), r.output());
    assertTrue(r.output().contains("stargz-registry-storage.jar not found")
        && r.output().contains(tmp.resolve("lone/lib/" + NAME).toString()), r.output());
  }

  /** The layer digests of an {@code ImagePusher} push, bottom layer first. */
  private static List<String> layerDigests(String pushed) throws IOException {
    List<String> digests = new ArrayList<>();
    for (String line : pushed.split("\n")) {
      if (line.contains("\"layer\"")) {
        digests.add(new ObjectMapper().readTree(line).get("digest").asText());
      }
    }
    return digests;
  }

  /** Runs a command that must succeed; returns its output. */
  private static String run(String... command) throws IOException {
    Result r = ExternalTools.run(List.of(command), 300);
    assertEquals(0, r.exitCode(), String.join(" ", command) + ":\n" + r.output());
    return r.output();
  }

  private static Result runWithInput(List<String> command, String input) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    try (var in = p.getOutputStream()) {
      in.write(input.getBytes(StandardCharsets.UTF_8));
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out: " + command);
    return new Result(p.exitValue(), out);
  }
}
