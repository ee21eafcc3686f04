package org.stargzstore.daemon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import org.stargzstore.daemon.config.ByteSize;
import org.stargzstore.daemon.config.DaemonConfig;
import org.stargzstore.daemon.control.ControlServer;
import org.stargzstore.daemon.run.RootLock;
import org.stargzstore.daemon.run.StoreReports;
import org.stargzstore.daemon.run.StoreServices;
import org.stargzstore.fs.gc.StoreVerifier;
import org.stargzstore.zstdchunked.LayerFormats;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Maintenance of the local store: usage, garbage collection, verification. Asks the running
 * daemon when there is one (so two processes never manage one store), else opens the store
 * itself under the root lock.
 */
@Command(name = "store", mixinStandardHelpOptions = true,
    description = "Inspect and maintain the local store (du, gc, verify).",
    subcommands = {StoreCommand.Du.class, StoreCommand.Gc.class, StoreCommand.Verify.class})
final class StoreCommand {
  private static final ObjectMapper JSON = new ObjectMapper();

  @CommandLine.ParentCommand
  Main parent;

  /** An operation that the daemon or this process can run on the store. */
  interface Operation {
    JsonNode run(StoreServices store, DaemonConfig config) throws IOException;
  }

  JsonNode runOp(String op, Operation offline) throws Exception {
    DaemonConfig cfg = parent.loadConfig();
    if (Files.exists(cfg.controlSocketPath())) {
      try {
        JsonNode r = ControlServer.call(cfg.controlSocketPath(),
            JSON.createObjectNode().put("op", op));
        if (!r.path("ok").asBoolean()) {
          throw new UserException("the daemon answered: " + r.path("error").asText());
        }
        return r;
      } catch (IOException e) {
        // no daemon behind the socket (a stale socket file): do it here
      }
    }
    if (!Files.isDirectory(cfg.root())) {
      throw new UserException("no store at " + cfg.root() + " (use --root or [store] root)");
    }
    try (RootLock lock = RootLock.acquire(cfg.root())) {
      return offline.run(StoreServices.open(cfg, LayerFormats.all()), cfg);
    }
  }

  abstract static class Sub implements Callable<Integer> {
    @CommandLine.ParentCommand
    StoreCommand store;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--json", description = "Print the raw JSON report.")
    boolean json;

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    int print(JsonNode r) throws IOException {
      if (json) {
        out().println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(r));
      } else {
        human(r);
      }
      return 0;
    }

    abstract void human(JsonNode r);
  }

  @Command(name = "du", mixinStandardHelpOptions = true,
      description = "Show stored bytes per image and layer, what is shared, and the dedup ratio.")
  static final class Du extends Sub {
    @Override
    public Integer call() throws Exception {
      return print(store.runOp("du", (s, c) -> StoreReports.usage(s.usage())));
    }

    @Override
    void human(JsonNode r) {
      PrintWriter o = out();
      o.printf(Locale.ROOT, "%-60s %7s %12s %12s%n", "IMAGE", "LAYERS", "STORED", "UNIQUE");
      for (JsonNode i : r.path("images")) {
        o.printf(Locale.ROOT, "%-60s %7d %12s %12s%n", i.path("reference").asText(),
            i.path("layers").asInt(), ByteSize.format(i.path("storedBytes").asLong()),
            ByteSize.format(i.path("uniqueBytes").asLong()));
      }
      o.println();
      o.printf(Locale.ROOT, "%-20s %-36s %12s %12s %8s%n", "LAYER", "FORMAT", "STORED", "SHARED",
          "BLOBS");
      for (JsonNode l : r.path("layers")) {
        o.printf(Locale.ROOT, "%-20s %-36s %12s %12s %8d%n",
            l.path("digest").asText().substring(0, 19), l.path("format").asText(),
            ByteSize.format(l.path("storedBytes").asLong()),
            ByteSize.format(l.path("sharedBytes").asLong()), l.path("blobs").asInt());
      }
      o.println();
      o.printf(Locale.ROOT, "stored: %s in %d blobs; layers would take %s without sharing, "
              + "take %s: dedup ratio %.2f%n",
          ByteSize.format(r.path("totalBytes").asLong()), r.path("totalBlobs").asLong(),
          ByteSize.format(r.path("layerBytesSum").asLong()),
          ByteSize.format(r.path("layerUnionBytes").asLong()), r.path("dedupRatio").asDouble());
    }
  }

  @Command(name = "gc", mixinStandardHelpOptions = true,
      description = "Delete least recently used content no layer in use needs, down to the budget.")
  static final class Gc extends Sub {
    @Override
    public Integer call() throws Exception {
      return print(store.runOp("gc", (s, c) -> StoreReports.gc(s.collector(c, Set::of).collect())));
    }

    @Override
    void human(JsonNode r) {
      out().printf(Locale.ROOT, "deleted %d blobs (%s); %s stored, %s of it in use%s%n",
          r.path("deletedBlobs").asLong(), ByteSize.format(r.path("deletedBytes").asLong()),
          ByteSize.format(r.path("bytesAfter").asLong()),
          ByteSize.format(r.path("liveBytes").asLong()),
          r.path("overBudget").asBoolean() ? " (content in use exceeds the budget)" : "");
    }
  }

  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = "Re-hash every stored blob and remove those that do not match.")
  static final class Verify extends Sub {
    @Override
    public Integer call() throws Exception {
      JsonNode r = store.runOp("verify", (s, c) -> StoreReports.verify(
          StoreVerifier.verify(s.content)));
      print(r);
      return r.path("removed").size() == 0 ? 0 : 1;
    }

    @Override
    void human(JsonNode r) {
      out().printf(Locale.ROOT, "verified %d blobs (%s); removed %d corrupt%n",
          r.path("blobs").asLong(), ByteSize.format(r.path("bytes").asLong()),
          r.path("removed").size());
      r.path("removed").forEach(d -> out().println("  removed " + d.asText()));
    }
  }
}
