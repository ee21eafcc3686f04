package org.stargzstore.daemon.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.OtherUser;
import org.stargzstore.testkit.Shared;

/**
 * The auth helper podman runs ({@code bin/stargz-registry-storage-auth-helper}, a shell script
 * that uses curl) against the real control socket: run through a symlink on PATH, as podman finds
 * it, it hands podman's JSON over unchanged and prints nothing; every way it can fail says why on
 * stderr and exits 1, without echoing the secret. The JSON-line protocol still works beside HTTP.
 */
@IntegrationTest
class AuthHelperScriptTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CREDENTIALS =
      "{\"127.0.0.1:5000/team/app:1\":{\"username\":\"alice\",\"password\":\"s3cret-pw\"}}";

  @TempDir Path tmp;
  private final List<JsonNode> received = new CopyOnWriteArrayList<>();
  private ControlServer server;
  private Path socket;
  private Path pathDir;

  @BeforeEach
  void setUp() throws IOException {
    socket = tmp.resolve("root/control.sock");
    server = ControlServer.start(socket, Map.of(
        "credentials", req -> {
          if (req.path("data").path("refuse-me").isObject()) {
            throw new IllegalArgumentException("credentials: refused for this test");
          }
          received.add(req.path("data"));
          return JSON.createObjectNode().put("ok", true).put("accepted", 1);
        },
        "status", req -> JSON.createObjectNode().put("ok", true).put("images", 0)));
    // as an installer puts it on PATH: a symlink in another directory, nothing next to it
    pathDir = Files.createDirectories(tmp.resolve("path"));
    Files.createSymbolicLink(pathDir.resolve("stargz-registry-storage-auth-helper"),
        Shared.projectRoot().resolve("bin/stargz-registry-storage-auth-helper"));
  }

  @AfterEach
  void tearDown() {
    server.close();
  }

  private ExternalTools.Result helper(String stdin, Map<String, String> env)
      throws IOException, InterruptedException {
    // what podman's exec.Command finds on its PATH: the symlink
    ProcessBuilder pb = new ProcessBuilder(
        pathDir.resolve("stargz-registry-storage-auth-helper").toString())
        .redirectErrorStream(true);
    pb.environment().clear();
    pb.environment().put("PATH", pathDir + ":/usr/bin:/bin");
    pb.environment().put("SRS_CONFIG", tmp.resolve("no-config.toml").toString());
    pb.environment().putAll(env);
    Process p = pb.start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(stdin.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      // a helper that finds no daemon exits before reading its input (broken pipe): its exit
      // code and output below are what the test checks
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "helper did not finish");
    return new ExternalTools.Result(p.exitValue(), out);
  }

  @Test
  void handsPodmansJsonToTheDaemonUnchangedAndPrintsNothing() throws Exception {
    ExternalTools.Result r = helper(CREDENTIALS, Map.of("SRS_CONTROL_SOCKET", socket.toString()));
    assertEquals(0, r.exitCode(), r.output());
    assertEquals("", r.output());
    assertEquals(List.of(JSON.readTree(CREDENTIALS)), received);
  }

  @Test
  void findsTheSocketUnderTheConfiguredRoot() throws Exception {
    Path config = tmp.resolve("config.toml");
    Files.writeString(config, "[fuse]\nallow_other = false\n[store]\nroot = \""
        + socket.getParent() + "\"\n");
    ExternalTools.Result r = helper(CREDENTIALS, Map.of("SRS_CONFIG", config.toString()));
    assertEquals(0, r.exitCode(), r.output());
    assertEquals(1, received.size());
  }

  @Test
  void noDaemonIsAClearFailure() throws Exception {
    Path missing = tmp.resolve("elsewhere/control.sock");
    ExternalTools.Result r = helper(CREDENTIALS, Map.of("SRS_CONTROL_SOCKET", missing.toString()));
    assertEquals(1, r.exitCode());
    assertTrue(r.output().contains("no daemon control socket at " + missing), r.output());
    assertFalse(r.output().contains("s3cret-pw"), r.output());
  }

  @Test
  void whatTheDaemonRefusesIsReportedWithItsReasonButNotTheSecret() throws Exception {
    ExternalTools.Result refused = helper(
        "{\"refuse-me\":{\"username\":\"alice\",\"password\":\"s3cret-pw\"}}",
        Map.of("SRS_CONTROL_SOCKET", socket.toString()));
    assertEquals(1, refused.exitCode());
    assertTrue(refused.output().contains("refused for this test"), refused.output());
    assertFalse(refused.output().contains("s3cret-pw"), refused.output());

    ExternalTools.Result notJson = helper("password=s3cret-pw",
        Map.of("SRS_CONTROL_SOCKET", socket.toString()));
    assertEquals(1, notJson.exitCode());
    assertTrue(notJson.output().contains("is not JSON"), notJson.output());
    assertFalse(notJson.output().contains("s3cret-pw"), notJson.output());
    assertTrue(received.isEmpty());
  }

  @Test
  void anotherUserIsToldTheSocketIsTheDaemonOwners() throws Exception {
    Path helper = Shared.projectRoot().resolve("bin/stargz-registry-storage-auth-helper");
    String call = "echo '" + CREDENTIALS + "' | SRS_CONTROL_SOCKET=" + socket + " " + helper;
    // as the daemon's root directory is: its owner's only
    OtherUser.openToEveryone(tmp);
    Files.setPosixFilePermissions(socket.getParent(),
        java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    ExternalTools.Result hidden = OtherUser.run("sh", "-c", call);
    assertEquals(1, hidden.exitCode(), hidden.output());
    assertTrue(hidden.output().contains("not allowed to reach the daemon control socket "
        + socket + " (" + socket.getParent() + " is root's only"), hidden.output());

    OtherUser.openToEveryone(socket.getParent());
    ExternalTools.Result refused = OtherUser.run("sh", "-c", call);
    assertEquals(1, refused.exitCode(), refused.output());
    assertTrue(refused.output().contains("not allowed to use the daemon control socket " + socket
        + " (only its owner, root, may"), refused.output());
    assertTrue(received.isEmpty());
  }

  @Test
  void theSocketIsTheOwnersOnlyAndStillSpeaksJsonLines() throws Exception {
    assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
        Files.getPosixFilePermissions(socket)));
    JsonNode status = ControlServer.call(socket, JSON.createObjectNode().put("op", "status"));
    assertTrue(status.path("ok").asBoolean(), status.toString());
    JsonNode unknown = ControlServer.call(socket, JSON.createObjectNode().put("op", "nope"));
    assertFalse(unknown.path("ok").asBoolean());
    assertTrue(unknown.path("error").asText().contains("[credentials, status]"),
        unknown.toString());
  }

  @Test
  void plainCurlCanAskForStatus() throws Exception {
    ExternalTools.Result r = ExternalTools.run(List.of("curl", "--silent", "--show-error",
        "--fail-with-body", "--unix-socket", socket.toString(), "http://localhost/status"), 30);
    assertEquals(0, r.exitCode(), r.output());
    assertEquals(0, JSON.readTree(r.output()).path("images").asInt(), r.output());
    ExternalTools.Result bad = ExternalTools.run(List.of("curl", "--silent", "--show-error",
        "--fail-with-body", "--unix-socket", socket.toString(), "-X", "DELETE",
        "http://localhost/status"), 30);
    assertEquals(22, bad.exitCode(), bad.output());
    assertTrue(bad.output().contains("method 'DELETE' not supported"), bad.output());
    ExternalTools.Result chunked = ExternalTools.run(List.of("sh", "-c", "echo '" + CREDENTIALS
        + "' | curl --silent --show-error --fail-with-body --unix-socket " + socket
        + " -H 'Transfer-Encoding: chunked' --data-binary @- http://localhost/credentials"), 30);
    assertEquals(22, chunked.exitCode(), chunked.output());
    assertTrue(chunked.output().contains("chunked bodies are not supported"), chunked.output());
    assertTrue(received.isEmpty());
  }
}
