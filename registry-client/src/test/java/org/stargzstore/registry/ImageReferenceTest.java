package org.stargzstore.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Reference normalisation against the cases of containers/image's own tests
 * ({@code docker/reference/normalize_test.go}: valid and invalid repository names, Docker Hub
 * defaults) and the forms podman users write (ports, localhost, tag plus digest).
 */
class ImageReferenceTest {
  private static final String D =
      "sha256:7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa";

  @ParameterizedTest
  @CsvSource({
      "busybox, docker.io/library/busybox:latest",
      "busybox:1.36, docker.io/library/busybox:1.36",
      "library/busybox, docker.io/library/busybox:latest",
      "docker/docker, docker.io/docker/docker:latest",
      "docker.io/debian, docker.io/library/debian:latest",
      "index.docker.io/docker/docker, docker.io/docker/docker:latest",
      "index.docker.io/debian, docker.io/library/debian:latest",
      "127.0.0.1:5000/debian, 127.0.0.1:5000/debian:latest",
      "127.0.0.1:5000/library/debian:v1, 127.0.0.1:5000/library/debian:v1",
      "localhost/app, localhost/app:latest",
      "localhost:5000/ns/app:tag_1.0-x, localhost:5000/ns/app:tag_1.0-x",
      "quay.io/podman/stable, quay.io/podman/stable:latest",
      "Example.COM/app, Example.COM/app:latest",
      "docker---rules/docker, docker.io/docker---rules/docker:latest",
      "dock__er/docker, docker.io/dock__er/docker:latest",
      "jess/t, docker.io/jess/t:latest",
      "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev,"
          + " docker.io/library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev:latest",
      "docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a,"
          + " docker.io/library/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a:latest",
  })
  void normalises(String input, String expected) {
    assertEquals(expected, ImageReference.parse(input).toString());
  }

  @Test
  void digestOnlyHasNoTagAndPullsByDigest() {
    ImageReference r = ImageReference.parse("busybox@" + D);
    assertNull(r.tag());
    assertEquals(D, r.digest().toString());
    assertEquals(D, r.manifestReference());
    assertEquals("docker.io/library/busybox@" + D, r.toString());
  }

  @Test
  void tagAndDigestKeepsBothAndPullsByDigest() {
    ImageReference r = ImageReference.parse("localhost:5000/app:1.0@" + D);
    assertEquals("localhost:5000", r.registry());
    assertEquals("app", r.repository());
    assertEquals("1.0", r.tag());
    assertEquals(D, r.manifestReference());
    assertEquals("localhost:5000/app:1.0@" + D, r.toString());
  }

  @Test
  void dockerHubApiHostDiffersFromItsName() {
    ImageReference r = ImageReference.parse("busybox");
    assertEquals("docker.io", r.registry());
    assertEquals("registry-1.docker.io", r.apiHost());
    assertEquals("docker.io/library/busybox", r.name());
    assertEquals("localhost:5000", ImageReference.parse("localhost:5000/a").apiHost());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "https://github.com/docker/docker", "docker/Docker", "-docker", "-docker/docker",
      "-docker.io/docker/docker", "docker///docker", "docker.io/docker/Docker",
      "docker.io/docker///docker",
      "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", "docker-/docker",
      "-docker-/docker", "____/____", "_docker/_docker", "dock..er/docker", "dock_.er/docker",
      "dock-.er/docker", "docker/", "", "app:", "app:-bad", "app@sha256:abc",
      "app@md5:0123456789abcdef0123456789abcdef",
      "app@sha256:7CC4B5AEFD1D0CADF8D97D4350462BA51C694EBCA145B08D7D41B41ACC8DB5AA",
  })
  void rejects(String input) {
    InvalidReferenceException e = assertThrows(InvalidReferenceException.class,
        () -> ImageReference.parse(input));
    assertTrue(e.getMessage().contains("\"" + input + "\""), e.getMessage());
  }

  @Test
  void errorsSayWhatIsWrong() {
    assertTrue(msg("docker.io/Library/busybox").contains("must be lowercase"));
    assertTrue(msg("app:" + "t".repeat(129)).contains("not a valid tag"));
    assertTrue(msg("app@sha512:" + "a".repeat(128)).contains("only sha256"));
    assertTrue(msg("x/" + "a".repeat(260)).contains("255"));
    assertTrue(msg("http://localhost/app").contains("URL scheme"));
  }

  @Test
  void shortNames() {
    assertTrue(ImageReference.isShortName("busybox"));
    assertTrue(ImageReference.isShortName("library/busybox"));
    assertFalse(ImageReference.isShortName("localhost/busybox"));
    assertFalse(ImageReference.isShortName("quay.io/x/y"));
    assertFalse(ImageReference.isShortName("host:5000/y"));
  }

  private static String msg(String input) {
    return assertThrows(InvalidReferenceException.class, () -> ImageReference.parse(input))
        .getMessage();
  }
}
