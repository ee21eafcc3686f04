package org.stargzstore.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps {@code mvn test} fast: a test class that starts real components (a registry process, a
 * FUSE mount, podman, the daemon, an external tool) must carry {@link IntegrationTest}, or it
 * would silently run among the unit tests. Reads the test sources of every module; a unit test
 * itself (it needs only the checkout).
 */
class IntegrationTagTest {
  /** Names whose use in a test class means it starts or talks to something real. */
  private static final Pattern REAL_COMPONENT = Pattern.compile("\\b(RegistryServer|FuseMount"
      + "|PodmanSandbox|Podman5Sandbox|Podman5Root|PodmanCli|StoreHarness|ExternalTools"
      + "|DaemonProcess|InJvmDaemon|PodmanWithDaemon|Podman5WithDaemon|FaultProxy|TokenServer"
      + "|TarCorpus|ProcessBuilder|OtherUser)\\b");
  private static final Pattern TEST_METHOD = Pattern.compile("@(Test|ParameterizedTest)\\b");

  @Test
  void everyTestClassThatStartsRealComponentsIsTaggedIntegration() throws IOException {
    List<String> untagged = new ArrayList<>();
    List<Path> checked = new ArrayList<>();
    for (Path source : testSources()) {
      String text = Files.readString(source, StandardCharsets.UTF_8);
      if (!TEST_METHOD.matcher(text).find() || !REAL_COMPONENT.matcher(text).find()) {
        continue;
      }
      checked.add(source);
      if (!text.contains("@IntegrationTest")) {
        untagged.add(Shared.projectRoot().relativize(source).toString());
      }
    }
    // not vacuous: the podman matrix is one of the classes this looks at
    assertTrue(checked.stream().anyMatch(p -> p.endsWith("PodmanMatrixTest.java")),
        "the scan did not see daemon's PodmanMatrixTest: " + checked.size() + " classes checked");
    assertEquals(List.of(), untagged, "test classes that start real components without "
        + "@IntegrationTest (they would run in `mvn test`; see docs/testing.md)");
  }

  private static List<Path> testSources() throws IOException {
    List<Path> out = new ArrayList<>();
    try (Stream<Path> modules = Files.list(Shared.projectRoot())) {
      for (Path module : modules.filter(m -> Files.isDirectory(m.resolve("src/test/java")))
          .toList()) {
        try (Stream<Path> files = Files.walk(module.resolve("src/test/java"))) {
          files.filter(f -> f.toString().endsWith(".java")).forEach(out::add);
        }
      }
    }
    return out;
  }
}
