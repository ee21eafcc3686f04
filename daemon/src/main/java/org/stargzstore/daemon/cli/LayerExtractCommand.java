package org.stargzstore.daemon.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.stargzstore.estargz.layer.LayerReader;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code layer extract}: the layer's tree into a new or empty directory, verified. */
@Command(name = "extract", mixinStandardHelpOptions = true,
    description = "Extract the layer into DIR (new or empty): files, directories, links, "
        + "and as root devices and owners; modes, mtimes, xattrs (best effort).")
final class LayerExtractCommand implements Callable<Integer> {
  @Mixin
  LayerSourceOptions source;

  @Parameters(index = "1", paramLabel = "DIR", description = "Where to extract (new or empty).")
  Path dir;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    try (LayerReader r = source.open(spec.commandLine().getErr())) {
      LayerExtractor.Result res = new LayerExtractor(r, dir, spec.commandLine().getErr())
          .extract(Runtime.getRuntime().availableProcessors());
      spec.commandLine().getOut().println("extracted " + res.entries() + " entries ("
          + res.bytes() + " bytes of file data) to " + dir);
      spec.commandLine().getOut().flush();
    }
    return 0;
  }
}
