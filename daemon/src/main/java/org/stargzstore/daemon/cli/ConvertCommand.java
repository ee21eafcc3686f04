package org.stargzstore.daemon.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.stargzstore.estargz.writer.LayerWriteResult;
import org.stargzstore.estargz.writer.WriterResources;
import org.stargzstore.zstdchunked.writer.ContainersStorageWriter;
import org.stargzstore.zstdchunked.writer.LayerConversion;
import org.stargzstore.zstdchunked.writer.LayerConversion.Format;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code convert}: turns a layer tar (plain, gzip or zstd) into eStargz or zstd:chunked and
 * prints the descriptor a manifest needs (plus diffID and TOC digest). The output appears only
 * when complete; on any error it is left as it was.
 */
@Command(name = "convert", mixinStandardHelpOptions = true,
    description = {"Convert a layer to eStargz or zstd:chunked.",
        "IN is a tar, a gzip tar or a zstd tar ('-' reads standard input). Prints the layer"
            + " descriptor (mediaType, digest, size, annotations, diffID, tocDigest) as JSON."})
final class ConvertCommand implements Callable<Integer> {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Option(names = "--format", required = true, paramLabel = "FORMAT",
      converter = FormatConverter.class, completionCandidates = FormatNames.class,
      description = "estargz, zstd-chunked (as podman push writes it) or zstd-chunked-stargz"
          + " (as stargz-snapshotter writes it).")
  Format format;

  @Option(names = "--chunk-size", paramLabel = "N", converter = SizeConverter.class,
      description = "Chunk size (e.g. 65536, 64K, 4M; default 4M). For zstd-chunked, chunks are"
          + " content-defined as podman's and N only caps them.")
  Integer chunkSize;

  @Option(names = "--prioritize", split = ",", paramLabel = "PATH",
      description = "Files to put first, before .prefetch.landmark (stargz formats only).")
  List<String> prioritize = new ArrayList<>();

  @Option(names = "--compression-level", paramLabel = "N",
      description = "gzip 0-9 (default 6; the reference uses 9) or zstd 1-19 (default 3).")
  Integer level;

  @Option(names = "--threads", paramLabel = "N",
      description = "Compression threads (default: one per CPU).")
  Integer threads;

  @Option(names = "--containers-storage", paramLabel = "VERSION", defaultValue = "current",
      description = "zstd-chunked layout: 'current' (tar-split, for partial pulls by current"
          + " podman; podman 4 reads it too) or '1.43' (exactly what podman 4.3.1 writes).")
  String storageLayout;

  @Parameters(index = "0", paramLabel = "IN", description = "The layer to convert.")
  String in;

  @Parameters(index = "1", paramLabel = "OUT", description = "The blob to write.")
  Path out;

  @Override
  public Integer call() throws IOException {
    LayerConversion conversion = conversion();
    LayerWriteResult r = in.equals("-")
        ? conversion.convert(System.in, "standard input", out)
        : conversion.convert(Path.of(in), out);
    PrintWriter err = spec.commandLine().getErr();
    for (String w : r.warnings()) {
      err.println("warning: " + w);
    }
    err.flush();
    PrintWriter o = spec.commandLine().getOut();
    o.print(r.toJson());
    o.flush();
    return 0;
  }

  private LayerConversion conversion() {
    try {
      LayerConversion.Builder b = LayerConversion.builder(format).prioritizedFiles(prioritize)
          .storageTarget(target());
      if (chunkSize != null) {
        b.chunkSize(chunkSize);
      }
      if (level != null) {
        b.compressionLevel(level);
      }
      if (threads != null) {
        WriterResources d = WriterResources.defaults();
        b.resources(new WriterResources(threads, d.memoryBudget()));
      }
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
  }

  private ContainersStorageWriter.Target target() {
    return switch (storageLayout) {
      case "current" -> ContainersStorageWriter.Target.CURRENT;
      case "1.43" -> ContainersStorageWriter.Target.V1_43;
      default -> throw new UsageException("--containers-storage must be 'current' or '1.43', not '"
          + storageLayout + "'");
    };
  }

  /** Parses the format names the CLI uses. */
  static final class FormatConverter implements CommandLine.ITypeConverter<Format> {
    @Override
    public Format convert(String value) {
      try {
        return Format.fromCliName(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }

  /** The format names, for help and shell completion. */
  static final class FormatNames extends ArrayList<String> {
    private static final long serialVersionUID = 1L;

    FormatNames() {
      for (Format f : Format.values()) {
        add(f.cliName());
      }
    }
  }

  /** Sizes in bytes with an optional K, M or G (powers of 1024) suffix, optionally followed by iB. */
  static final class SizeConverter implements CommandLine.ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      String s = value.trim().toUpperCase(Locale.ROOT).replaceFirst("I?B$", "");
      long unit = 1;
      if (s.endsWith("K")) {
        unit = 1L << 10;
      } else if (s.endsWith("M")) {
        unit = 1L << 20;
      } else if (s.endsWith("G")) {
        unit = 1L << 30;
      }
      if (unit != 1) {
        s = s.substring(0, s.length() - 1);
      }
      try {
        long n = Long.parseLong(s) * unit;
        if (n <= 0 || n > Integer.MAX_VALUE - (1 << 20)) {
          throw new CommandLine.TypeConversionException("size out of range: " + value);
        }
        return (int) n;
      } catch (NumberFormatException e) {
        throw new CommandLine.TypeConversionException("not a size: '" + value
            + "' (use bytes, or a number with K, M or G)");
      }
    }
  }
}
