package org.stargzstore.daemon.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.stargzstore.daemon.config.ByteSize;
import org.stargzstore.daemon.image.ImageConverter;
import org.stargzstore.daemon.image.ImageInspector;
import org.stargzstore.estargz.writer.LayerWriteResult;
import org.stargzstore.estargz.writer.WriterResources;
import org.stargzstore.registry.ImageReference;
import org.stargzstore.registry.RegistryClient;
import org.stargzstore.zstdchunked.writer.ContainersStorageWriter;
import org.stargzstore.zstdchunked.writer.ConversionProgress;
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
    description = {"Convert a layer, or an image in a registry, to eStargz or zstd:chunked.",
        "Layer: IN is a tar, a gzip tar or a zstd tar ('-' reads standard input), OUT the blob"
            + " to write ('-' writes standard output). Prints the layer descriptor (mediaType,"
            + " digest, size, annotations, diffID, tocDigest) as JSON: on standard output, or on"
            + " standard error when OUT is '-'. Progress and a summary line go to standard error.",
        "Image: IN and OUT are docker://REF. Every layer of IN (for this node's platform, or"
            + " --platform) is converted and pushed to OUT with an OCI manifest carrying the"
            + " layers' annotations; prints a JSON summary. Registries are reached as podman"
            + " reaches them (registries.conf, certs.d, auth files)."})
final class ConvertCommand implements Callable<Integer> {
  private static final String STANDARD_STREAM = "-";

  private final CliStreams streams;

  ConvertCommand(CliStreams streams) {
    this.streams = streams;
  }

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @CommandLine.ParentCommand
  Main parent;

  @CommandLine.Mixin
  RegistryOptions registry;

  @Option(names = "--tmpdir", paramLabel = "DIR",
      description = "Where image conversion stages layers (default: the system's temporary"
          + " directory; needs room for a layer twice).")
  Path tmpDir;

  @Option(names = "--format", required = true, paramLabel = "FORMAT",
      converter = FormatConverter.class, completionCandidates = FormatNames.class,
      description = "estargz, zstd-chunked (as podman push writes it) or zstd-chunked-stargz"
          + " (as stargz-snapshotter writes it).")
  Format format;

  @Option(names = "--chunk-size", paramLabel = "N", converter = SizeConverter.class,
      description = "Chunk size (e.g. 65536, 64KiB, 4MiB; K/M/G alone are binary too, kB/MB/GB"
          + " are powers of 1000; default 4MiB). For zstd-chunked, chunks are content-defined as"
          + " podman's and N only caps them.")
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

  @Option(names = {"-q", "--quiet"},
      description = "No progress and no summary line (warnings and errors still go to stderr).")
  boolean quiet;

  @Parameters(index = "0", paramLabel = "IN",
      description = "The layer to convert, or docker://REF.")
  String in;

  @Parameters(index = "1", paramLabel = "OUT",
      description = "The blob to write, or docker://REF.")
  String out;

  @Override
  public Integer call() throws IOException {
    if (ImageRefs.isImage(in) || ImageRefs.isImage(out)) {
      if (!(ImageRefs.isImage(in) && ImageRefs.isImage(out))) {
        throw new UsageException("convert takes two layer files or two images (docker://REF),"
            + " not one of each: " + in + " " + out);
      }
      return convertImage();
    }
    return convertLayer();
  }

  private int convertLayer() throws IOException {
    ConversionProgress counts = new ConversionProgress();
    LayerConversion conversion = conversion(counts);
    boolean toStdout = out.equals(STANDARD_STREAM);
    boolean fromStdin = in.equals(STANDARD_STREAM);
    if (toStdout && Terminals.stdoutIsTerminal(streams)) {
      throw new UsageException("refusing to write a binary layer to a terminal; redirect standard"
          + " output or give OUT as a file");
    }
    PrintWriter err = spec.commandLine().getErr();
    Path outPath = toStdout ? Files.createTempFile(tmpDir(), ".convert-", ".blob") : Path.of(out);
    long inputSize = fromStdin ? -1 : sizeOrUnknown(Path.of(in));
    boolean terminal = Terminals.stderrIsTerminal(streams);
    LayerWriteResult r;
    long start = System.nanoTime();
    try {
      try (ConvertProgress p = quiet ? null : new ConvertProgress(counts, err, terminal, inputSize,
          terminal ? ConvertProgress.TERMINAL_INTERVAL : ConvertProgress.LOG_INTERVAL)) {
        r = fromStdin
            ? conversion.convert(System.in, "standard input", outPath)
            : conversion.convert(Path.of(in), outPath);
      }
      if (toStdout) {
        Files.copy(outPath, streams.out());
        streams.out().flush();
      }
    } finally {
      if (toStdout) {
        Files.deleteIfExists(outPath);
      }
    }
    for (String w : r.warnings()) {
      err.println("warning: " + w);
    }
    if (!quiet) {
      err.println(summary(r, counts.bytesIn(), Duration.ofNanos(System.nanoTime() - start)));
    }
    err.flush();
    PrintWriter descriptor = toStdout ? err : spec.commandLine().getOut();
    descriptor.print(r.toJson());
    descriptor.flush();
    return 0;
  }

  /** {@code converted layer.tar (233.0 MiB) to layer.esgz: 80.1 MiB estargz, ...}. */
  private String summary(LayerWriteResult r, long bytesIn, Duration took) {
    String source = in.equals(STANDARD_STREAM) ? "standard input" : in;
    String target = out.equals(STANDARD_STREAM) ? "standard output" : out;
    return String.format(Locale.ROOT, "converted %s (%s) to %s: %s %s (tar %s), %.1f s, %s",
        source, ByteSize.format(bytesIn), target, ByteSize.format(r.size()), format.cliName(),
        ByteSize.format(r.uncompressedSize()), took.toMillis() / 1000.0,
        ConvertProgress.rate(bytesIn, took));
  }

  private static long sizeOrUnknown(Path p) {
    try {
      return Files.isRegularFile(p) ? Files.size(p) : -1;
    } catch (IOException e) {
      return -1;
    }
  }

  private Path tmpDir() {
    return tmpDir != null ? tmpDir : Path.of(System.getProperty("java.io.tmpdir"));
  }

  private int convertImage() throws IOException {
    ImageReference source = ImageRefs.parse(in);
    ImageReference target = ImageRefs.parse(out);
    LayerConversion conversion = conversion(null);
    PrintWriter err = spec.commandLine().getErr();
    Path tmp = tmpDir();
    try (RegistryClient client = registry.client(parent.loadConfig(), List.of(source, target))) {
      ObjectNode summary = new ImageConverter(client, conversion, tmp).convert(source, target,
          registry.platform(), line -> {
            err.println(line);
            err.flush();
          });
      PrintWriter o = spec.commandLine().getOut();
      o.print(ImageInspector.text(summary));
      o.flush();
    }
    return 0;
  }

  private LayerConversion conversion(ConversionProgress counts) {
    try {
      LayerConversion.Builder b = LayerConversion.builder(format).prioritizedFiles(prioritize)
          .storageTarget(target()).progress(counts);
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

  /**
   * Sizes as in the config file ({@link ByteSize}): {@code 65536}, {@code 64K}, {@code 4MiB} are
   * binary, {@code 4MB} is 4,000,000 bytes.
   */
  static final class SizeConverter implements CommandLine.ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      long n;
      try {
        n = ByteSize.parse(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
      if (n <= 0 || n > Integer.MAX_VALUE - (1 << 20)) {
        throw new CommandLine.TypeConversionException("size out of range: " + value);
      }
      return (int) n;
    }
  }
}
