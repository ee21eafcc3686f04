package org.stargzstore.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.registry.RegistryClientConfig.AuthFileSpec;
import org.stargzstore.registry.config.Environment;

/**
 * The default file locations follow containers/image's choices ({@code getAuthFilePaths},
 * {@code newConfigWrapper}, {@code dockerCertDir}) for each environment a node may have.
 */
class RegistryClientConfigTest {
  @TempDir
  Path home;

  @Test
  void rootNodeWithoutVariables() {
    RegistryClientConfig c = RegistryClientConfig.forEnvironment(
        new Environment(Map.of("PATH", "/usr/bin:/bin"), home, 0)).build();
    assertEquals(Path.of("/etc/containers/registries.conf"), c.registriesConf());
    assertEquals(false, c.registriesConfRequired());
    assertEquals(List.of(Path.of("/etc/containers/registries.conf.d"),
        home.resolve(".config/containers/registries.conf.d")), c.registriesConfDirs());
    assertEquals(List.of(home.resolve(".config/containers/certs.d"),
        Path.of("/etc/containers/certs.d"), Path.of("/etc/docker/certs.d")), c.certsDirs());
    assertEquals(List.of(
        AuthFileSpec.of(Path.of("/run/containers/0/auth.json")),
        AuthFileSpec.of(home.resolve(".config/containers/auth.json")),
        AuthFileSpec.of(home.resolve(".docker/config.json")),
        new AuthFileSpec(home.resolve(".dockercfg"), true)), c.authFiles());
    assertEquals(List.of(Path.of("/usr/bin"), Path.of("/bin")), c.credentialHelperPath());
  }

  @Test
  void xdgAndDockerConfigVariables() {
    RegistryClientConfig c = RegistryClientConfig.forEnvironment(new Environment(Map.of(
        "XDG_RUNTIME_DIR", "/run/user/1000", "XDG_CONFIG_HOME", "/cfg",
        "DOCKER_CONFIG", "/dockercfg"), home, 1000)).build();
    assertEquals(List.of(
        AuthFileSpec.of(Path.of("/run/user/1000/containers/auth.json")),
        AuthFileSpec.of(Path.of("/cfg/containers/auth.json")),
        AuthFileSpec.of(Path.of("/dockercfg/config.json")),
        new AuthFileSpec(home.resolve(".dockercfg"), true)), c.authFiles());
  }

  @Test
  void registryAuthFileReplacesAllOthers() {
    RegistryClientConfig c = RegistryClientConfig.forEnvironment(new Environment(Map.of(
        "REGISTRY_AUTH_FILE", "/etc/my-auth.json", "XDG_RUNTIME_DIR", "/run/user/0"), home, 0))
        .build();
    assertEquals(List.of(AuthFileSpec.of(Path.of("/etc/my-auth.json"))), c.authFiles());
  }

  @Test
  void containersRegistriesConfIsRequiredWhenSet() {
    RegistryClientConfig c = RegistryClientConfig.forEnvironment(new Environment(Map.of(
        "CONTAINERS_REGISTRIES_CONF", "/tmp/r.conf"), home, 0)).build();
    assertEquals(Path.of("/tmp/r.conf"), c.registriesConf());
    assertEquals(true, c.registriesConfRequired());
  }

  @Test
  void userRegistriesConfWinsOverTheSystemOne() throws Exception {
    Path user = home.resolve(".config/containers/registries.conf");
    Files.createDirectories(user.getParent());
    Files.writeString(user, "");
    RegistryClientConfig c = RegistryClientConfig.forEnvironment(
        new Environment(Map.of(), home, 0)).build();
    assertEquals(user, c.registriesConf());
    assertEquals(List.of(home.resolve(".config/containers/registries.conf.d")),
        c.registriesConfDirs());
  }
}
