package org.stargzstore.daemon.cli;

import picocli.CommandLine.Command;

/** Inspect a layer blob: list, read, extract, verify. Placeholder until the layer readers land. */
@Command(name = "layer", description = "Inspect a local eStargz or zstd:chunked layer blob.")
final class LayerCommand implements Runnable {
  @Override
  public void run() {
    throw new UserException("layer: not built yet");
  }
}
