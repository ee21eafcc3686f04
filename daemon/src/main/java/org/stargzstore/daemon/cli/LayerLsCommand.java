package org.stargzstore.daemon.cli;

import java.io.BufferedWriter;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import org.stargzstore.estargz.layer.LayerEntry;
import org.stargzstore.estargz.layer.LayerReader;
import org.stargzstore.types.Digest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code layer ls}: the layer's entries as a full extraction creates them (eStargz's
 * {@code stargz.index.json} and the stargz landmarks included), without the root.
 */
@Command(name = "ls", mixinStandardHelpOptions = true,
    description = "List the entries of a layer blob, as tar -t would (the root left out).")
final class LayerLsCommand implements Callable<Integer> {
  private static final String EMPTY_DIGEST = Digest.of(new byte[0]).toString();

  @Mixin
  LayerSourceOptions source;

  @Option(names = "--json", description = "One JSON object per line: name, type, mode, uid, "
      + "gid, size, mtime, linkName, devMajor, devMinor, xattrs (base64), digest.")
  boolean json;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  private final CliStreams streams;

  LayerLsCommand(CliStreams streams) {
    this.streams = streams;
  }

  @Override
  public Integer call() throws Exception {
    try (LayerReader r = source.open(spec.commandLine().getErr())) {
      Writer out = new BufferedWriter(new OutputStreamWriter(streams.out(),
          StandardCharsets.UTF_8));
      for (LayerEntry e : r.index().entries()) {
        if (e.name().isEmpty()) {
          continue;
        }
        out.write(json ? EntryLines.json(e, digest(r, e)) : EntryLines.human(e));
        out.write('\n');
      }
      out.flush();
    }
    return 0;
  }

  /** The TOC's file digest, or the digest of the verified bytes when the TOC has none. */
  private static String digest(LayerReader r, LayerEntry e) throws java.io.IOException {
    if (!e.isRegular()) {
      return "";
    }
    if (e.digest().isPresent()) {
      return e.digest().get().toString();
    }
    if (e.size() == 0) {
      return EMPTY_DIGEST;
    }
    java.security.MessageDigest md = Digest.newSha256();
    byte[] buf = new byte[1 << 16];
    try (InputStream in = r.openFile(e)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return Digest.fromBytes(md.digest()).toString();
  }
}
