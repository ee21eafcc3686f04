package org.stargzstore.daemon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.Callable;
import org.stargzstore.daemon.config.DaemonConfig;
import org.stargzstore.daemon.control.ControlServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Prints, as JSON, which files of each layer a running daemon has served, in first-open order:
 * run a workload once through the daemon, save this, and give a layer's {@code files}, joined
 * with commas, to {@code convert --prioritize} so the next cold start prefetches exactly those
 * files in one request.
 */
@Command(name = "accesses", mixinStandardHelpOptions = true,
    description = {"Print, as JSON, the files each layer of a running daemon's images served, in"
        + " first-open order.",
        "Give a layer's files, joined with commas, to convert --prioritize PATH,... so the next"
            + " cold start prefetches them first."})
final class AccessesCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @CommandLine.ParentCommand
  Main parent;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Option(names = "--image", paramLabel = "REF", description = "Only this image reference.")
  String image;

  @Override
  public Integer call() throws Exception {
    DaemonConfig cfg = parent.loadConfig();
    ObjectNode req = JSON.createObjectNode().put("op", "accesses");
    if (image != null) {
      req.put("image", image);
    }
    JsonNode r = ControlServer.call(cfg.controlSocketPath(), req);
    if (!r.path("ok").asBoolean()) {
      throw new UserException("the daemon answered: " + r.path("error").asText());
    }
    ((ObjectNode) r).remove("ok");
    spec.commandLine().getOut().println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(r));
    return 0;
  }
}
