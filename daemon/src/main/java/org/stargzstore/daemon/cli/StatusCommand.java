package org.stargzstore.daemon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.stargzstore.daemon.config.ByteSize;
import org.stargzstore.daemon.config.DaemonConfig;
import org.stargzstore.daemon.control.ControlServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Shows what a running daemon serves: each image and layer, whether it is served lazily and if
 * not why, bytes fetched against the layer size, references held, and how often podman was told
 * to pull normally and why. The answer to "did it fall back, and why?".
 */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Show the images and layers a running daemon serves, and why any are not lazy.")
final class StatusCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @CommandLine.ParentCommand
  Main parent;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Option(names = "--json", description = "Print the raw JSON report.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    DaemonConfig cfg = parent.loadConfig();
    JsonNode r = ControlServer.call(cfg.controlSocketPath(),
        JSON.createObjectNode().put("op", "status"));
    if (!r.path("ok").asBoolean()) {
      throw new UserException("the daemon answered: " + r.path("error").asText());
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(r));
      return 0;
    }
    out.println("daemon started " + r.path("started").asText());
    for (JsonNode img : r.path("images")) {
      out.println();
      out.println(img.path("reference").asText() + "  (" + img.path("manifest").asText() + ")");
      for (JsonNode l : img.path("layers")) {
        String digest = l.path("digest").asText();
        String shortDigest = digest.substring(0, Math.min(digest.length(), 19));
        if (l.path("lazy").asBoolean()) {
          long fetched = l.path("bytesFetched").asLong();
          long size = l.path("size").asLong();
          out.printf(Locale.ROOT, "  %s  lazy  %-34s fetched %s of %s (%.0f%%)%s  refs %d%n",
              shortDigest, l.path("format").asText(), ByteSize.format(fetched),
              ByteSize.format(size), size > 0 ? 100.0 * fetched / size : 0.0,
              l.path("complete").asBoolean() ? ", complete" : "",
              l.path("references").asInt());
          if (fetched > 0) {
            StringBuilder why = new StringBuilder("      by reason:");
            l.path("bytesByReason").properties().forEach(e -> why.append(' ')
                .append(e.getKey()).append(' ').append(ByteSize.format(e.getValue().asLong())));
            why.append(String.format(Locale.ROOT, "; %d reads waited %d ms",
                l.path("readsWaited").asLong(), l.path("readWaitMillis").asLong()));
            out.println(why);
          }
          long verifyFailures = l.path("verifyFailures").asLong();
          long fetchErrors = l.path("fetchErrors").asLong();
          if (verifyFailures > 0 || fetchErrors > 0) {
            out.printf(Locale.ROOT, "      failed: %d chunks did not match the TOC digest (never"
                + " served), %d range requests failed (network, registry)%n", verifyFailures,
                fetchErrors);
          }
        } else {
          out.printf(Locale.ROOT, "  %s  NOT lazy (%s): %s  refs %d%n", shortDigest,
              l.path("reason").asText(), l.path("why").asText(), l.path("references").asInt());
        }
      }
    }
    JsonNode fb = r.path("fallbacks");
    out.println();
    if (fb.size() == 0) {
      out.println("fallbacks to a normal pull: none");
    } else {
      StringBuilder sb = new StringBuilder("fallbacks to a normal pull:");
      fb.fields().forEachRemaining(e -> sb.append(' ').append(e.getKey()).append('=')
          .append(e.getValue().asLong()));
      out.println(sb);
    }
    JsonNode net = r.path("registry");
    if (net.path("requests").asLong() > 0) {
      out.printf(Locale.ROOT, "registries: %d requests (%d retries, %d token fetches), received %s,"
          + " discarded %s (ranges a server did not honour)%n", net.path("requests").asLong(),
          net.path("retries").asLong(), net.path("tokenFetches").asLong(),
          ByteSize.format(net.path("bytesReceived").asLong()),
          ByteSize.format(net.path("bytesDiscarded").asLong()));
    }
    return 0;
  }
}
