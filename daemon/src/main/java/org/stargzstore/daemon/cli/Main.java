package org.stargzstore.daemon.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.lang.reflect.Constructor;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.logging.Logger;
import org.stargzstore.daemon.BuildVersion;
import org.stargzstore.daemon.config.DaemonConfig;
import org.stargzstore.daemon.logging.LogFormat;
import org.stargzstore.daemon.logging.LogSetup;
import org.stargzstore.daemon.run.Daemon;
import org.stargzstore.daemon.run.GracefulStop;
import org.stargzstore.daemon.run.RegistryClients;
import org.stargzstore.daemon.systemd.SystemdNotifier;
import org.stargzstore.fs.fuse.kernel.DescriptorKeeper;
import org.stargzstore.fs.fuse.kernel.handover.NoDescriptorKeeper;
import org.stargzstore.fs.remote.RegistryImageSource;
import org.stargzstore.registry.RegistryClient;
import org.stargzstore.registry.auth.Credential;
import org.stargzstore.zstdchunked.LayerFormats;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Parameters;

/**
 * The {@code stargz-registry-storage} command: given a mount point, the daemon itself; otherwise
 * one of the tools around it ({@code layer}, {@code convert}, {@code status}, ...). Every user
 * mistake ends with one line on stderr and a non-zero exit, never a stack trace.
 */
@Command(
    name = "stargz-registry-storage",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
        "Serves eStargz and zstd:chunked image layers lazily to podman and CRI-O as an "
            + "additional layer store mounted at MOUNTPOINT (see docs/als.md).",
        "",
        "storage.conf: [storage.options] additionallayerstores = [\"MOUNTPOINT:ref\"]"},
    subcommands = {LayerCommand.class, ConvertCommand.class, ImageCommand.class,
        StatusCommand.class, StoreCommand.class, AccessesCommand.class, ProfileCommand.class,
        UnmountStaleCommand.class, FuseHolderCommand.class, AutoComplete.GenerateCompletion.class})
public final class Main implements Callable<Integer> {
  private static final Logger LOG = Logger.getLogger(Main.class.getName());

  @Option(names = "--root", scope = ScopeType.INHERIT, paramLabel = "DIR",
      description = "Store directory (default: [store] root, else /var/lib/stargz-registry-storage).")
  Path root;

  @Option(names = "--config", scope = ScopeType.INHERIT, paramLabel = "FILE",
      description = "Configuration file (default: /etc/stargz-registry-storage/config.toml, "
          + "optional).")
  Path config;

  @Option(names = "--log-level", scope = ScopeType.INHERIT, paramLabel = "LEVEL",
      defaultValue = "info",
      description = "debug, info, warn or error (default: ${DEFAULT-VALUE}).")
  String logLevel;

  @Option(names = "--log-format", scope = ScopeType.INHERIT, paramLabel = "FORMAT",
      description = "text or json: one JSON object per line (default: [log] format, else text).")
  String logFormat;

  /** For the launcher: prints the heap (MiB) the configuration needs and exits. */
  @Option(names = "--print-heap-budget", hidden = true)
  boolean printHeapBudget;

  @Parameters(index = "0", arity = "0..1", paramLabel = "MOUNTPOINT",
      description = "Where to mount the layer store.")
  Path mountPoint;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the CLI and returns its exit code (tests call this instead of {@link #main}). */
  public static int run(String... args) {
    return commandLine(CliStreams.system()).execute(args);
  }

  /** Runs the CLI with its output going to {@code out} and {@code err}. */
  public static int run(PrintStream out, PrintStream err, String... args) {
    int code = commandLine(new CliStreams(out, err)).execute(args);
    out.flush();
    err.flush();
    return code;
  }

  static CommandLine commandLine() {
    return commandLine(CliStreams.system());
  }

  static CommandLine commandLine(CliStreams streams) {
    CommandLine cl = new CommandLine(new Main(), new StreamsFactory(streams));
    cl.setOut(streams.outWriter());
    cl.setErr(streams.errWriter());
    cl.setExecutionExceptionHandler(new CliErrorHandler());
    cl.setParameterExceptionHandler(new CliErrorHandler());
    // The bash completion script the packages install (scripts/install.sh); not a daily command.
    cl.getSubcommands().get("generate-completion").getCommandSpec().usageMessage().hidden(true);
    return cl;
  }

  /** Gives commands that take {@link CliStreams} in their constructor the CLI's streams. */
  private record StreamsFactory(CliStreams streams) implements CommandLine.IFactory {
    @Override
    public <K> K create(Class<K> cls) throws Exception {
      try {
        Constructor<K> c = cls.getDeclaredConstructor(CliStreams.class);
        c.setAccessible(true);
        return c.newInstance(streams);
      } catch (NoSuchMethodException e) {
        return CommandLine.defaultFactory().create(cls);
      }
    }
  }

  /**
   * The configuration: the file (if any) with {@code --root} applied. A root that exists but is
   * not a directory is refused here, naming where it came from, before any command uses it.
   */
  DaemonConfig loadConfig() throws IOException {
    Path file = config != null ? config : DaemonConfig.DEFAULT_PATH;
    DaemonConfig c = DaemonConfig.load(file, config != null);
    if (root != null) {
      checkRoot(root, "--root " + root);
      return c.withRoot(root);
    }
    checkRoot(c.root(), "[store] root " + c.root()
        + (Files.exists(file) ? " (in " + file + ")" : " (the default)"));
    return c;
  }

  private static void checkRoot(Path dir, String what) {
    if (Files.isRegularFile(dir)) {
      throw new UserException(what + " is a regular file; it must be a directory (the daemon's"
          + " store)");
    }
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new UserException(what + " is not a directory; it must be a directory (the daemon's"
          + " store)");
    }
    Path ancestor = existingAncestor(dir);
    if (ancestor != null && !Files.isDirectory(ancestor)) {
      throw new UserException(what + " cannot be a directory: " + ancestor + " is a "
          + (Files.isRegularFile(ancestor) ? "regular file" : "not a directory"));
    }
  }

  /** Daemon only (it creates the store): a root that cannot be created is named with why. */
  private static void checkRootCreatable(Path dir) {
    Path ancestor = existingAncestor(dir);
    if (!Files.exists(dir) && ancestor != null && !Files.isWritable(ancestor)) {
      throw new UserException("cannot create the store " + dir + ": no write permission in "
          + ancestor + " (run as a user who may, or choose another --root)");
    }
  }

  private static Path existingAncestor(Path dir) {
    Path p = dir.toAbsolutePath().getParent();
    while (p != null && !Files.exists(p)) {
      p = p.getParent();
    }
    return p;
  }

  /**
   * Where this daemon's FUSE descriptor waits across a restart ({@code [fuse] descriptor_keeper}:
   * systemd's store, the {@code fuse-holder}), or null: without takeover (libfuse backend, or
   * {@code [fuse] takeover = false}) or without a keeper the mount ends with the daemon, as
   * before (a keeper of "none" would leave a dead mount behind instead of unmounting).
   */
  private static DescriptorKeeper descriptorKeeper(DaemonConfig cfg) throws IOException {
    if (!cfg.fuseTakeover()) {
      return null;
    }
    DescriptorKeeper keeper = cfg.descriptorKeeperForThisProcess();
    if (keeper instanceof NoDescriptorKeeper) {
      return null;
    }
    LOG.info(() -> "FUSE descriptor keeper: " + keeper + " (a restart keeps the mount)");
    return keeper;
  }

  @Override
  public Integer call() throws Exception {
    if (printHeapBudget) {
      // what bin/stargz-registry-storage gives -Xmx when SRS_JAVA_OPTS sets no heap limit
      spec.commandLine().getOut().println((loadConfig().heapBudgetBytes() + (1 << 20) - 1) >> 20);
      spec.commandLine().getOut().flush();
      return 0;
    }
    if (mountPoint == null) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "missing MOUNTPOINT (or a command: layer, convert, status, ...)");
    }
    DaemonConfig cfg = loadConfig();
    checkRootCreatable(cfg.root());
    try {
      LogSetup.configure(LogSetup.parseLevel(logLevel),
          logFormat != null ? LogFormat.parse(logFormat) : cfg.logFormat());
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    LOG.info(() -> "stargz-registry-storage " + BuildVersion.get() + " starting (Java "
        + Runtime.version() + ", pid " + ProcessHandle.current().pid() + ")");
    RegistryClient client = RegistryClients.create(cfg);
    SystemdNotifier systemd = SystemdNotifier.fromEnvironment();
    Daemon daemon = Daemon.start(cfg, mountPoint,
        new RegistryImageSource(client, cfg.readTimeout()), LayerFormats.all(),
        (ref, user, pass, token) -> client.runtimeCredentials().put(
            client.normalize(ref).name(), new Credential(user, pass, token)),
        descriptorKeeper(cfg));
    GracefulStop.install(daemon, client, systemd);
    systemd.ready("serving layers at " + daemon.mountPoint());
    daemon.awaitStop();
    return 0; // also after SIGTERM: systemd counts any other status as a failed stop
  }
}
