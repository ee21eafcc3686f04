package org.stargzstore.daemon.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import org.stargzstore.estargz.InvalidFooterException;
import org.stargzstore.estargz.io.FileRangeSource;
import org.stargzstore.estargz.layer.LayerReader;
import org.stargzstore.estargz.layer.OpenOptions;
import org.stargzstore.types.Digest;
import org.stargzstore.types.LayerDescriptor;
import org.stargzstore.zstdchunked.LayerDecompression;
import org.stargzstore.zstdchunked.LayerFormats;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The blob every {@code layer} subcommand reads, and what to verify its TOC against: a digest
 * given on the command line or the TOC digest annotation of a descriptor file.
 */
final class LayerSourceOptions {
  @Parameters(index = "0", paramLabel = "BLOB",
      description = "The layer blob: eStargz or zstd:chunked (either flavour).")
  Path blob;

  @ArgGroup(exclusive = true)
  Trust trust = new Trust();

  /** Where the expected TOC digest comes from; at most one of the two. */
  static final class Trust {
    @Option(names = "--toc-digest", paramLabel = "DIGEST",
        description = "Verify the TOC against this digest (sha256:...): the layer's "
            + "containerd.io/snapshot/stargz/toc.digest or zstd:chunked manifest-checksum.")
    String tocDigest;

    @Option(names = "--descriptor", paramLabel = "FILE",
        description = "A layer descriptor JSON (mediaType, digest, size, annotations), as a "
            + "manifest lists the layer: its annotations give the TOC digest.")
    Path descriptor;
  }

  private LayerDescriptor descriptorRead;

  /** The descriptor given with {@code --descriptor}, read once. */
  Optional<LayerDescriptor> descriptor() throws IOException {
    if (trust.descriptor == null) {
      return Optional.empty();
    }
    if (descriptorRead == null) {
      descriptorRead = DescriptorFile.read(trust.descriptor);
    }
    return Optional.of(descriptorRead);
  }

  OpenOptions options() throws IOException {
    OpenOptions.Builder o = LayerFormats.options();
    if (trust.tocDigest != null) {
      if (!Digest.isValid(trust.tocDigest)) {
        throw new UsageException("--toc-digest must be sha256:<64 lowercase hex>, not '"
            + trust.tocDigest + "'");
      }
      o.expectedTocDigest(Digest.parse(trust.tocDigest));
    }
    descriptor().ifPresent(o::descriptor);
    return o.build();
  }

  /**
   * Opens the blob; warns on {@code err} when the TOC cannot be verified, and says what the
   * blob is when it is not a lazily pullable layer.
   */
  LayerReader open(PrintWriter err) throws IOException {
    OpenOptions o = options();
    FileRangeSource source = FileRangeSource.open(blob);
    if (!o.canVerifyToc()) {
      err.println("warning: " + (trust.descriptor != null
          ? trust.descriptor + " has no TOC digest annotation"
          : "no --toc-digest or --descriptor given")
          + ": the TOC cannot be verified (its chunk digests are still checked)");
      err.flush();
    }
    try {
      return LayerReader.open(source, o);
    } catch (InvalidFooterException e) {
      source.close();
      throw withWhatItIs(e);
    } catch (IOException | RuntimeException e) {
      source.close();
      throw e;
    }
  }

  private InvalidFooterException withWhatItIs(InvalidFooterException e) {
    if (!e.detail().startsWith("not a lazily pullable layer")) {
      return e;
    }
    try {
      String what = switch (LayerDecompression.sniff(blob)) {
        case GZIP -> "it is a gzip stream without an eStargz footer";
        case ZSTD -> "it is a zstd stream without a zstd:chunked footer";
        case NONE -> "it is not compressed (a plain tar?)";
      };
      return new InvalidFooterException(e.blob(), e.detail() + "; " + what, e);
    } catch (IOException sniffFailed) {
      return e;
    }
  }
}
