package org.stargzstore.zstdchunked.writer;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import org.stargzstore.estargz.writer.EstargzFlavor;
import org.stargzstore.estargz.writer.LayerWriteResult;
import org.stargzstore.estargz.writer.StargzLayerWriter;
import org.stargzstore.estargz.writer.WriterResources;

/**
 * Converts a layer file (plain, gzip or zstd tar) into one of the lazily pullable formats and
 * writes it safely: the blob goes to a hidden temporary file next to the output, which replaces
 * the output only once complete, so a failure (bad input, full disk) never leaves a partial or
 * clobbered output behind. This is what {@code stargz-registry-storage convert} runs.
 */
public final class LayerConversion {

  /** The output formats. */
  public enum Format {
    /** eStargz (gzip). */
    ESTARGZ("estargz"),
    /** zstd:chunked as containers/storage (podman push) writes it. */
    ZSTD_CHUNKED("zstd-chunked"),
    /** zstd:chunked as stargz-snapshotter writes it (eStargz TOC in zstd). */
    ZSTD_CHUNKED_STARGZ("zstd-chunked-stargz");

    private final String cliName;

    Format(String cliName) {
      this.cliName = cliName;
    }

    public String cliName() {
      return cliName;
    }

    public static Format fromCliName(String s) {
      for (Format f : values()) {
        if (f.cliName.equals(s)) {
          return f;
        }
      }
      throw new IllegalArgumentException("unknown format '" + s
          + "' (expected estargz, zstd-chunked or zstd-chunked-stargz)");
    }

    /** The default compression level: gzip 6 (gzip's own default), zstd 3. */
    public int defaultLevel() {
      return this == ESTARGZ ? EstargzFlavor.DEFAULT_LEVEL : ZstdFrameCodec.DEFAULT_LEVEL;
    }
  }

  private final Format format;
  private final Integer chunkSize;
  private final List<String> prioritized;
  private final int level;
  private final WriterResources resources;
  private final ContainersStorageWriter.Target target;
  private final ConversionProgress progress;

  private LayerConversion(Builder b) {
    this.format = Objects.requireNonNull(b.format, "format");
    this.chunkSize = b.chunkSize;
    this.prioritized = List.copyOf(b.prioritized);
    this.level = b.level == null ? format.defaultLevel() : b.level;
    this.resources = b.resources;
    this.target = b.target;
    this.progress = b.progress;
    if (format == Format.ZSTD_CHUNKED && !prioritized.isEmpty()) {
      throw new IllegalArgumentException("zstd-chunked keeps the tar as it is, so it cannot move"
          + " prioritized files to the front; use estargz or zstd-chunked-stargz");
    }
    if (format == Format.ESTARGZ && (level < 0 || level > 9)) {
      throw new IllegalArgumentException("gzip compression level must be 0..9, not " + level);
    }
    if (format != Format.ESTARGZ && (level < 1 || level > 19)) {
      throw new IllegalArgumentException("zstd compression level must be 1..19, not " + level);
    }
    writerForValidation();
  }

  public static Builder builder(Format format) {
    return new Builder(format);
  }

  /** Converts the layer file {@code in} into {@code out}. */
  public LayerWriteResult convert(Path in, Path out) throws IOException {
    if (Files.isDirectory(in)) {
      throw new InvalidInputException(in + " is a directory, not a layer file");
    }
    InputStream raw;
    try {
      raw = Files.newInputStream(in);
    } catch (NoSuchFileException e) {
      throw new InvalidInputException("input " + in + " does not exist");
    } catch (AccessDeniedException e) {
      throw new InvalidInputException("cannot read input " + in + ": permission denied");
    }
    checkOutput(out);
    if (Files.exists(out) && Files.isSameFile(in, out)) {
      raw.close();
      throw new InvalidInputException("input and output are the same file: " + out);
    }
    try (InputStream s = raw) {
      return convert(s, in.toString(), Files.isRegularFile(in) ? in : null, out);
    }
  }

  /** Converts a layer read from a stream (standard input) into {@code out}. */
  public LayerWriteResult convert(InputStream in, String inputName, Path out) throws IOException {
    checkOutput(out);
    return convert(in, inputName, null, out);
  }

  private LayerWriteResult convert(InputStream rawIn, String name, Path file, Path out)
      throws IOException {
    BufferedInputStream in = new BufferedInputStream(new CountingInput(rawIn, progress), 1 << 16);
    in.mark(InputCompression.MAGIC_LENGTH);
    byte[] head = in.readNBytes(InputCompression.MAGIC_LENGTH);
    in.reset();
    InputCompression compression = InputCompression.sniff(head, head.length, name);
    String described = compression == InputCompression.NONE ? name
        : name + " (" + compression.displayName() + "-decompressed)";
    Path tmpOut = out.resolveSibling("." + out.getFileName() + ".tmp-" + randomSuffix());
    Path spooled = null;
    boolean done = false;
    try (FileChannel ch = openOutput(tmpOut, out);
        OutputStream o = new OutputErrors(new BufferedOutputStream(
            new CountingOutput(Channels.newOutputStream(ch), progress), 1 << 20), out)) {
      LayerWriteResult r;
      InputStream plain = new InputErrors(compression.decompress(in), described);
      if (format == Format.ZSTD_CHUNKED) {
        r = storageWriter().write(plain, described, o);
      } else {
        Path tar = file;
        if (compression != InputCompression.NONE || file == null) {
          spooled = out.resolveSibling("." + out.getFileName() + ".input-" + randomSuffix());
          spool(plain, spooled, out);
          tar = spooled;
        }
        if (tar == file && progress != null) {
          progress.inputReadByWriter(true);
        }
        r = stargzWriter().write(tar, o);
        if (tar == file && progress != null) {
          progress.addIn(Files.size(file) - progress.bytesIn());
        }
      }
      o.flush();
      ch.force(true);
      done = true;
      return r;
    } finally {
      if (spooled != null) {
        Files.deleteIfExists(spooled);
      }
      if (done) {
        Files.move(tmpOut, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } else {
        Files.deleteIfExists(tmpOut);
      }
    }
  }

  private static void spool(InputStream plain, Path spooled, Path out) throws IOException {
    try (OutputStream s = new OutputErrors(new BufferedOutputStream(Files.newOutputStream(spooled,
        StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), 1 << 20), out)) {
      plain.transferTo(s);
    }
  }

  private static FileChannel openOutput(Path tmp, Path out) throws IOException {
    try {
      return FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    } catch (FileSystemException e) {
      throw new OutputException("cannot write " + out + ": " + reason(e));
    }
  }

  private static void checkOutput(Path out) throws IOException {
    Path parent = out.toAbsolutePath().getParent();
    if (Files.isDirectory(out)) {
      throw new OutputException("cannot write " + out + ": it is a directory");
    }
    if (parent == null || !Files.exists(parent)) {
      throw new OutputException("cannot write " + out + ": directory " + parent
          + " does not exist");
    }
    if (!Files.isDirectory(parent)) {
      throw new OutputException("cannot write " + out + ": " + parent + " is not a directory");
    }
  }

  private static String reason(FileSystemException e) {
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    return e.getReason() != null ? e.getReason() : e.getClass().getSimpleName();
  }

  private static String randomSuffix() {
    return Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
  }

  private void writerForValidation() {
    if (format == Format.ZSTD_CHUNKED) {
      storageWriter();
    } else {
      stargzWriter();
    }
  }

  private StargzLayerWriter stargzWriter() {
    StargzLayerWriter.Builder b = format == Format.ESTARGZ
        ? StargzLayerWriter.builder(new EstargzFlavor(level))
        : StargzLayerWriter.builder(new ZstdStargzFlavor(level));
    if (chunkSize != null) {
      b.chunkSize(chunkSize);
    }
    return b.prioritizedFiles(prioritized).resources(resources).build();
  }

  private ContainersStorageWriter storageWriter() {
    ContainersStorageWriter.Builder b = ContainersStorageWriter.builder().level(level)
        .target(target).resources(resources);
    if (chunkSize != null) {
      b.maxChunkSize(chunkSize);
    }
    return b.build();
  }

  /** The input cannot be read or is not a layer. */
  public static final class InvalidInputException extends IOException {
    private static final long serialVersionUID = 1L;

    InvalidInputException(String message) {
      super(message);
    }

    InvalidInputException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The output cannot be written (missing directory, permissions, full disk). */
  public static final class OutputException extends IOException {
    private static final long serialVersionUID = 1L;

    OutputException(String message) {
      super(message);
    }

    OutputException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Turns read errors (a corrupt gzip stream, an I/O error) into one naming the input. */
  private static final class InputErrors extends java.io.FilterInputStream {
    private final String name;

    InputErrors(InputStream in, String name) {
      super(in);
      this.name = name;
    }

    @Override
    public int read() throws IOException {
      try {
        return super.read();
      } catch (IOException e) {
        throw wrap(e);
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return super.read(b, off, len);
      } catch (IOException e) {
        throw wrap(e);
      }
    }

    @Override
    public long skip(long n) throws IOException {
      try {
        return super.skip(n);
      } catch (IOException e) {
        throw wrap(e);
      }
    }

    private IOException wrap(IOException e) {
      if (e instanceof OutputException || e instanceof InvalidInputException) {
        return e;
      }
      String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      return new InvalidInputException("cannot read " + name + ": " + m, e);
    }
  }

  /** Turns write errors into an {@link OutputException} naming the output. */
  private static final class OutputErrors extends FilterOutputStream {
    private final Path out;

    OutputErrors(OutputStream o, Path out) {
      super(o);
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      try {
        out().write(b);
      } catch (IOException e) {
        throw wrap(e);
      }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      try {
        out().write(b, off, len);
      } catch (IOException e) {
        throw wrap(e);
      }
    }

    @Override
    public void flush() throws IOException {
      try {
        out().flush();
      } catch (IOException e) {
        throw wrap(e);
      }
    }

    @Override
    public void close() throws IOException {
      try {
        out().close();
      } catch (IOException e) {
        throw wrap(e);
      }
    }

    private OutputStream out() {
      return super.out;
    }

    private IOException wrap(IOException e) {
      if (e instanceof OutputException) {
        return e;
      }
      String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      return new OutputException("cannot write " + out + ": " + m, e);
    }
  }

  /** Counts the bytes read into {@link ConversionProgress#bytesIn()}, if there is one. */
  private static final class CountingInput extends java.io.FilterInputStream {
    private final ConversionProgress progress;

    CountingInput(InputStream in, ConversionProgress progress) {
      super(in);
      this.progress = progress;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0 && progress != null) {
        progress.addIn(1);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0 && progress != null) {
        progress.addIn(n);
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long k = super.skip(n);
      if (k > 0 && progress != null) {
        progress.addIn(k);
      }
      return k;
    }
  }

  /** Counts the bytes written into {@link ConversionProgress#bytesOut()}, if there is one. */
  private static final class CountingOutput extends FilterOutputStream {
    private final ConversionProgress progress;

    CountingOutput(OutputStream out, ConversionProgress progress) {
      super(out);
      this.progress = progress;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      if (progress != null) {
        progress.addOut(1);
      }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      if (progress != null) {
        progress.addOut(len);
      }
    }
  }

  /** Configures a {@link LayerConversion}. */
  public static final class Builder {
    private final Format format;
    private Integer chunkSize;
    private List<String> prioritized = List.of();
    private Integer level;
    private WriterResources resources = WriterResources.defaults();
    private ConversionProgress progress;
    private ContainersStorageWriter.Target target = ContainersStorageWriter.Target.CURRENT;

    private Builder(Format format) {
      this.format = format;
    }

    /**
     * Chunk size: the fixed chunk size of the stargz flavours, the largest data chunk of
     * zstd-chunked (whose chunks are content-defined below it). Default 4 MiB.
     */
    public Builder chunkSize(int chunkSize) {
      this.chunkSize = chunkSize;
      return this;
    }

    public Builder prioritizedFiles(List<String> files) {
      this.prioritized = List.copyOf(files);
      return this;
    }

    public Builder compressionLevel(int level) {
      this.level = level;
      return this;
    }

    public Builder resources(WriterResources resources) {
      this.resources = Objects.requireNonNull(resources);
      return this;
    }

    /** For zstd-chunked: the containers/storage layout to write. */
    public Builder storageTarget(ContainersStorageWriter.Target target) {
      this.target = Objects.requireNonNull(target);
      return this;
    }

    /** @throws IllegalArgumentException for options that do not fit the format */
    /** Counts bytes in and out into {@code progress} while converting (none by default). */
    public Builder progress(ConversionProgress progress) {
      this.progress = progress;
      return this;
    }

    public LayerConversion build() {
      return new LayerConversion(this);
    }
  }
}
