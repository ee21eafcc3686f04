package org.stargzstore.daemon.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Inspect a local eStargz or zstd:chunked layer blob: list, read, extract, verify. */
@Command(name = "layer", description = "Inspect a local eStargz or zstd:chunked layer blob.",
    mixinStandardHelpOptions = true,
    subcommands = {LayerLsCommand.class, LayerCatCommand.class, LayerExtractCommand.class,
        LayerVerifyCommand.class})
final class LayerCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(),
        "missing a subcommand: ls, cat, extract or verify");
  }
}
