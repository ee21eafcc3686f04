package org.stargzstore.daemon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import org.stargzstore.daemon.control.ControlServer;

/**
 * What newer podman (containers/image 5.32+) runs as its {@code additional-layer-store-auth-helper}:
 * reads {@code {"REF": {"username", "password", "identityToken"}}} from stdin and hands it to the
 * running daemon over its control socket. Prints nothing on success, never echoes a secret.
 */
@Command(name = "auth-helper", mixinStandardHelpOptions = true,
    description = "Pass podman's pull credentials (JSON on stdin) to the running daemon.")
final class AuthHelperCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @CommandLine.ParentCommand
  Main parent;

  @Parameters(index = "0", arity = "0..1", paramLabel = "SOCKET",
      description = "The daemon's control socket (default: ROOT/control.sock).")
  Path socket;

  @Override
  public Integer call() throws Exception {
    JsonNode data;
    try {
      data = JSON.readTree(System.in);
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new UserException("stdin is not JSON (want {\"REF\": {\"username\": ..., "
          + "\"password\": ...}})");
    }
    if (data == null || !data.isObject()) {
      throw new UserException("stdin must be a JSON object of image reference -> credentials");
    }
    Path sock = socket != null ? socket : parent.loadConfig().controlSocketPath();
    ObjectNode req = JSON.createObjectNode();
    req.put("op", "credentials");
    req.set("data", data);
    JsonNode r = ControlServer.call(sock, req);
    if (!r.path("ok").asBoolean()) {
      throw new UserException("the daemon refused the credentials: " + r.path("error").asText());
    }
    return 0;
  }
}
