package org.stargzstore.daemon.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code image}: commands about images in registries. */
@Command(name = "image", mixinStandardHelpOptions = true,
    description = "Images in registries (read with podman's registry configuration).",
    subcommands = {ImageInspectCommand.class})
final class ImageCommand implements Runnable {
  @CommandLine.ParentCommand
  Main parent;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing a command: inspect");
  }
}
