package org.stargzstore.daemon.cli;

import java.io.InputStream;
import java.util.concurrent.Callable;
import org.stargzstore.estargz.layer.EntryNames;
import org.stargzstore.estargz.layer.LayerEntry;
import org.stargzstore.estargz.layer.LayerReader;
import org.stargzstore.estargz.toc.EntryType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code layer cat}: a file's verified bytes on stdout. */
@Command(name = "cat", mixinStandardHelpOptions = true,
    description = "Write a regular file's bytes to stdout; every chunk is verified first.")
final class LayerCatCommand implements Callable<Integer> {
  @Mixin
  LayerSourceOptions source;

  @Parameters(index = "1", paramLabel = "PATH", description = "The file's path in the layer.")
  String path;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  private final CliStreams streams;

  LayerCatCommand(CliStreams streams) {
    this.streams = streams;
  }

  @Override
  public Integer call() throws Exception {
    String name = EntryNames.tryNormalise(path.startsWith("/") ? path.substring(1) : path)
        .orElseThrow(() -> new UserException("not a valid path in a layer: " + path));
    try (LayerReader r = source.open(spec.commandLine().getErr())) {
      LayerEntry e = r.index().entry(name)
          .orElseThrow(() -> new UserException(source.blob + ": no such file in the layer: "
              + path));
      if (e.type() == EntryType.SYMLINK) {
        throw new UserException(source.blob + ": " + path + " is a symlink to "
            + e.linkName());
      }
      if (!r.index().resolveHardlink(e).isRegular()) {
        throw new UserException(source.blob + ": " + path + " is a " + e.type().jsonName()
            + ", not a regular file");
      }
      try (InputStream in = r.openFile(e)) {
        in.transferTo(streams.out());
      }
      streams.out().flush();
    }
    return 0;
  }
}
