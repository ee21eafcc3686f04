package org.stargzstore.daemon.cli;

import picocli.CommandLine.Command;

/** Convert a layer into a lazily pullable format. Placeholder until the writers land. */
@Command(name = "convert", description = "Convert a layer to eStargz or zstd:chunked.")
final class ConvertCommand implements Runnable {
  @Override
  public void run() {
    throw new UserException("convert: not built yet");
  }
}
