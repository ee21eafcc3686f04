package org.stargzstore.daemon.cli;

import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import org.stargzstore.estargz.layer.Chunk;
import org.stargzstore.estargz.layer.LayerReader;
import org.stargzstore.estargz.layer.OpenedToc;
import org.stargzstore.types.Digest;
import org.stargzstore.types.LayerDescriptor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine;

/**
 * {@code layer verify}: the blob against its descriptor (digest, size), the TOC against its
 * digest, and every chunk of every file against the TOC. Exits 1 on the first mismatch.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = "Check the blob's digest and size (with --descriptor), the TOC digest, and "
        + "every chunk of every file; print a summary. Exit 1 on the first mismatch.")
final class LayerVerifyCommand implements Callable<Integer> {
  @Mixin
  LayerSourceOptions source;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  private final CliStreams streams;

  LayerVerifyCommand(CliStreams streams) {
    this.streams = streams;
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = streams.outWriter();
    Optional<LayerDescriptor> descriptor = source.descriptor();
    if (descriptor.isPresent()) {
      checkBlob(descriptor.get());
    }
    long[] chunks = {0};
    long[] bytes = {0};
    Set<String> files = new HashSet<>();
    try (LayerReader r = source.open(spec.commandLine().getErr())) {
      r.readAll(Runtime.getRuntime().availableProcessors(), new LayerReader.StagedChunkSink() {
        @Override
        public void accept(Chunk c, byte[] data) {
          acceptStaged(c, null);
        }

        @Override
        public java.nio.file.Path stagingDirectory() {
          return null; // large chunks are verified as they stream, never kept
        }

        @Override
        public void acceptStaged(Chunk c, java.nio.file.Path file) {
          chunks[0]++;
          bytes[0] += c.size();
          files.add(c.fileName());
        }
      });
      long regular = r.index().entries().stream().filter(e -> e.isRegular()).count();
      OpenedToc toc = r.layer().toc();
      out.println("format:     " + r.format().name());
      out.println("TOC digest: " + toc.tocDigest() + (toc.verified()
          ? " (verified)" : " (NOT verified: no digest to check it against)"));
      out.println("files:      " + regular + " regular files (" + files.size()
          + " with content), " + r.index().entries().size() + " entries");
      out.println("chunks:     " + chunks[0] + " chunks, " + bytes[0] + " bytes, all verified");
      descriptor.ifPresent(d -> out.println("blob:       " + d.digest() + ", " + d.size()
          + " bytes, as the descriptor says"));
      out.println("OK");
      out.flush();
    }
    return 0;
  }

  private void checkBlob(LayerDescriptor d) throws java.io.IOException {
    long size = Files.size(source.blob);
    if (size != d.size()) {
      throw new UserException(source.blob + ": the blob is " + size + " bytes but the "
          + "descriptor says " + d.size());
    }
    MessageDigest md = Digest.newSha256();
    byte[] buf = new byte[1 << 20];
    try (InputStream in = Files.newInputStream(source.blob)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    Digest actual = Digest.fromBytes(md.digest());
    if (!actual.equals(d.digest())) {
      throw new UserException(source.blob + ": blob digest mismatch: the descriptor says "
          + d.digest() + " but the blob hashes to " + actual);
    }
  }
}
