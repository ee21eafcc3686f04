package org.stargzstore.registry.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.registry.ImageReference;
import org.stargzstore.registry.errors.RegistryBlockedException;
import org.stargzstore.registry.errors.RegistryConfigurationException;

/**
 * registries.conf as containers/image reads it (the behaviour its
 * {@code pkg/sysregistriesv2} documents and tests): prefixes and location rewrites, wildcard
 * prefixes, mirror order and pull-from-mirror, blocked and insecure registries, drop-in
 * merging, v1 files, and clear errors naming the file.
 */
class RegistriesConfLoaderTest {
  @TempDir
  Path dir;

  private Path write(String name, String toml) throws IOException {
    Path f = dir.resolve(name);
    Files.createDirectories(f.getParent());
    Files.writeString(f, toml, StandardCharsets.UTF_8);
    return f;
  }

  private RegistriesConf load(String toml) throws Exception {
    return RegistriesConfLoader.load(write("registries.conf", toml), List.of(), true);
  }

  private static List<String> sources(RegistriesConf c, String ref) throws Exception {
    return c.pullSources(ImageReference.parse(ref)).stream()
        .map(s -> s.reference() + (s.insecure() ? " insecure" : "") + (s.mirror() ? " mirror" : ""))
        .toList();
  }

  @Test
  void mirrorsComeFirstInOrderThenTheRegistry() throws Exception {
    RegistriesConf c = load("""
        [[registry]]
        location = "example.com"
        [[registry.mirror]]
        location = "mirror-1.local:5000"
        insecure = true
        [[registry.mirror]]
        location = "mirror-2.local/cache"
        """);
    assertEquals(List.of("mirror-1.local:5000/app:1 insecure mirror",
        "mirror-2.local/cache/app:1 mirror", "example.com/app:1"),
        sources(c, "example.com/app:1"));
    // unrelated registries are pulled directly
    assertEquals(List.of("other.com/app:1"), sources(c, "other.com/app:1"));
    // "example.com" is not a prefix of "example.community"
    assertEquals(List.of("example.community/app:latest"), sources(c, "example.community/app"));
  }

  @Test
  void prefixRewritesToLocationAndLongestPrefixWins() throws Exception {
    RegistriesConf c = load("""
        [[registry]]
        prefix = "example.com/foo"
        location = "internal.example.com/mirrored/foo"
        [[registry]]
        prefix = "example.com"
        location = "example.com"
        blocked = true
        [[registry]]
        prefix = "example.com/foo/special"
        location = "special.example.com:8443/x"
        """);
    assertEquals(List.of("internal.example.com/mirrored/foo/app:2"),
        sources(c, "example.com/foo/app:2"));
    assertEquals(List.of("special.example.com:8443/x/img:latest"),
        sources(c, "example.com/foo/special/img"));
    RegistryBlockedException e = assertThrows(RegistryBlockedException.class,
        () -> c.pullSources(ImageReference.parse("example.com/bar")));
    assertTrue(e.getMessage().contains("example.com/bar"), e.getMessage());
    assertTrue(e.getMessage().contains("registries.conf"), e.getMessage());
  }

  @Test
  void wildcardPrefixMatchesSubdomainsOnly() throws Exception {
    RegistriesConf c = load("""
        [[registry]]
        prefix = "*.example.com"
        insecure = true
        """);
    assertTrue(c.find("a.example.com/app").isPresent());
    assertTrue(c.find("b.a.example.com:5000/app").isPresent());
    assertFalse(c.find("example.com/app").isPresent());
    assertFalse(c.find("notexample.com/app").isPresent());
    assertEquals(List.of("a.example.com/app:latest insecure"), sources(c, "a.example.com/app"));
  }

  @Test
  void pullFromMirrorAndDigestOnly() throws Exception {
    String digest = "@sha256:" + "a".repeat(64);
    RegistriesConf c = load("""
        [[registry]]
        location = "r.io"
        [[registry.mirror]]
        location = "by-digest.local"
        pull-from-mirror = "digest-only"
        [[registry.mirror]]
        location = "by-tag.local"
        pull-from-mirror = "tag-only"
        [[registry]]
        location = "s.io"
        mirror-by-digest-only = true
        [[registry.mirror]]
        location = "s-mirror.local"
        """);
    assertEquals(List.of("by-tag.local/app:1 mirror", "r.io/app:1"), sources(c, "r.io/app:1"));
    assertEquals(List.of("by-digest.local/app" + digest + " mirror", "r.io/app" + digest),
        sources(c, "r.io/app" + digest));
    assertEquals(List.of("s.io/app:1"), sources(c, "s.io/app:1"));
    assertEquals(List.of("s-mirror.local/app" + digest + " mirror", "s.io/app" + digest),
        sources(c, "s.io/app" + digest));
  }

  @Test
  void dropInsReplaceEntriesByPrefixAndListsWhenSet() throws Exception {
    Path main = write("registries.conf", """
        unqualified-search-registries = ["one.io", "two.io"]
        credential-helpers = ["containers-auth.json"]
        [[registry]]
        location = "a.io"
        [[registry]]
        location = "b.io"
        insecure = true
        """);
    write("d/20-b.conf", """
        [[registry]]
        location = "b.io"
        blocked = true
        """);
    write("d/10-search.conf", """
        unqualified-search-registries = ["three.io"]
        """);
    write("d/ignored.txt", "not toml at all [[[");
    RegistriesConf c = RegistriesConfLoader.load(main, List.of(dir.resolve("d")), true);
    assertEquals(List.of("three.io"), c.unqualifiedSearchRegistries());
    assertEquals(List.of("containers-auth.json"), c.credentialHelpers());
    RegistryEntry b = c.find("b.io/x").orElseThrow();
    assertTrue(b.blocked());
    assertFalse(b.endpoint().insecure(), "the drop-in replaced the whole entry");
    assertTrue(c.find("a.io/x").isPresent());
    assertEquals(List.of(main, dir.resolve("d/10-search.conf"), dir.resolve("d/20-b.conf")),
        c.sources());
  }

  @Test
  void missingDefaultFileIsEmptyButMissingChosenFileIsAnError() throws Exception {
    RegistriesConf c = RegistriesConfLoader.load(dir.resolve("nope.conf"), List.of(), false);
    assertEquals(List.of(), c.registries());
    assertEquals(List.of(RegistriesConf.AUTH_FILES_HELPER), c.credentialHelpers());
    RegistryConfigurationException e = assertThrows(RegistryConfigurationException.class,
        () -> RegistriesConfLoader.load(dir.resolve("nope.conf"), List.of(), true));
    assertTrue(e.getMessage().contains("nope.conf"));
  }

  @Test
  void v1FileIsConverted() throws Exception {
    RegistriesConf c = load("""
        [registries.search]
        registries = ["docker.io"]
        [registries.insecure]
        registries = ["plain.local:5000"]
        [registries.block]
        registries = ["bad.io"]
        """);
    assertEquals(List.of("docker.io"), c.unqualifiedSearchRegistries());
    assertTrue(c.isInsecure("plain.local:5000"));
    assertTrue(c.find("bad.io/x").orElseThrow().blocked());
  }

  @Test
  void badFilesAreRejectedNamingTheFileAndTheProblem() {
    assertBad("this is [not toml", "cannot parse");
    assertBad("""
        [[registry]]
        location = "https://example.com"
        """, "URI schemes are not supported");
    assertBad("""
        [[registry]]
        insecure = true
        """, "neither location nor prefix");
    assertBad("""
        [[registry]]
        location = "a.io"
        insecure = true
        [[registry]]
        prefix = "a.io/x"
        location = "a.io"
        insecure = false
        """, "conflicting 'insecure'");
    assertBad("""
        [[registry]]
        location = "a.io"
        [[registry.mirror]]
        location = "m.io"
        pull-from-mirror = "sometimes"
        """, "unsupported pull-from-mirror");
    assertBad("""
        [[registry]]
        prefix = "*.a.io/x"
        """, "wildcard prefix");
    assertBad("short-name-mode = \"maybe\"\n", "invalid short-name-mode");
    assertBad("""
        [[registry]]
        location = "a.io"
        insecure = "yes"
        """, "must be true or false");
    assertBad("""
        unqualified-search-registries = ["docker.io"]
        [registries.search]
        registries = ["docker.io"]
        """, "mixes the v1");
  }

  private void assertBad(String toml, String expected) {
    RegistryConfigurationException e = assertThrows(RegistryConfigurationException.class,
        () -> load(toml));
    assertTrue(e.getMessage().contains("registries.conf"), e.getMessage());
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }

  @Test
  void dropInMustBeV2() throws Exception {
    Path main = write("registries.conf", "");
    write("d/old.conf", "[registries.search]\nregistries = [\"x.io\"]\n");
    RegistryConfigurationException e = assertThrows(RegistryConfigurationException.class,
        () -> RegistriesConfLoader.load(main, List.of(dir.resolve("d")), true));
    assertTrue(e.getMessage().contains("old.conf"), e.getMessage());
  }

  @Test
  void pushGoesToTheLocationNeverAMirror() throws Exception {
    RegistriesConf c = load("""
        [[registry]]
        prefix = "example.com/team"
        location = "registry.internal:5000/team"
        insecure = true
        [[registry.mirror]]
        location = "mirror.local"
        """);
    PullSource p = c.pushTarget(ImageReference.parse("example.com/team/app:1"));
    assertEquals("registry.internal:5000/team/app:1", p.reference().toString());
    assertTrue(p.insecure());
  }

  @Test
  void tlsVerifyFalseMarksHostsInsecure() throws Exception {
    RegistriesConf c = load("""
        [[registry]]
        location = "a.io"
        [[registry.mirror]]
        location = "m.io"
        """).withInsecureHosts(List.of("a.io", "b.io:5000"));
    assertEquals(List.of("m.io/x:1 mirror", "a.io/x:1 insecure"), sources(c, "a.io/x:1"));
    assertEquals(List.of("b.io:5000/x:1 insecure"), sources(c, "b.io:5000/x:1"));
    assertEquals(List.of("c.io/x:1"), sources(c, "c.io/x:1"));
  }
}
