package org.stargzstore.daemon.cli;

import java.io.PrintStream;
import java.lang.reflect.Constructor;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code stargz-registry-storage} command: the daemon itself (given a mount point) and the
 * tools around it ({@code layer}, {@code convert}, ...). Every user mistake ends with one line on
 * stderr and a non-zero exit, never a stack trace.
 */
@Command(
    name = "stargz-registry-storage",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Lazily pulled eStargz and zstd:chunked layers for podman and CRI-O.",
    subcommands = {LayerCommand.class, ConvertCommand.class})
public final class Main implements Runnable {

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

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing a command");
  }
}
