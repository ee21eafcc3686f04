package org.stargzstore.daemon.cli;

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
    return commandLine().execute(args);
  }

  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler(new CliErrorHandler());
    cl.setParameterExceptionHandler(new CliErrorHandler());
    return cl;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing a command");
  }
}
