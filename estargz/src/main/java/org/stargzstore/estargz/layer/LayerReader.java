package org.stargzstore.estargz.layer;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.stargzstore.estargz.LayerFormatException;
import org.stargzstore.types.io.RangeSource;

/**
 * Reads a layer's files from a {@link RangeSource} with every byte verified, fetching only the
 * compressed units of the chunks asked for. No cache: this is for tools and tests; the file
 * system has its own fetcher and chunk store on top of {@link LayerOpener} and
 * {@link ChunkCodec}.
 *
 * <p>Every method that returns file bytes verifies the whole chunk holding them against its TOC
 * digest first; a mismatch is a {@link org.stargzstore.estargz.ChunkDigestMismatchException}
 * and no byte of that chunk is returned. Thread-safe if the source is.
 */
public final class LayerReader implements Closeable {
  static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

  private final RangeSource source;
  private final OpenedLayer layer;
  private final ChunkCodec codec;

  private LayerReader(RangeSource source, OpenedLayer layer) {
    this.source = source;
    this.layer = layer;
    this.codec = layer.format().codec();
  }

  /**
   * Opens a layer: at most two reads (the tail, and the start of a TOC that does not fit in it),
   * or one with a descriptor that says where the TOC is. The reader owns {@code source} and
   * closes it.
   */
  public static LayerReader open(RangeSource source, OpenOptions options) throws IOException {
    return new LayerReader(source, LayerOpener.open(source, options));
  }

  /** A reader over a layer already opened with {@link LayerOpener}. */
  public static LayerReader of(RangeSource source, OpenedLayer layer) {
    return new LayerReader(source, layer);
  }

  public OpenedLayer layer() {
    return layer;
  }

  public LayerIndex index() {
    return layer.index();
  }

  public LayerFormat format() {
    return layer.format();
  }

  public String blob() {
    return layer.blob();
  }

  /** Fetches, decodes and verifies one chunk; a zero chunk needs no fetch. */
  public byte[] readChunk(Chunk c) throws IOException {
    if (c.size() > MAX_ARRAY) {
      throw new LayerFormatException(blob(), "chunk of '" + c.fileName() + "' at file offset "
          + c.fileOffset() + " is " + c.size() + " bytes, too large to read into memory");
    }
    byte[] data;
    if (c.zeros()) {
      data = new byte[(int) c.size()];
    } else {
      long len = c.compressedLength();
      if (len > MAX_ARRAY) {
        throw new LayerFormatException(blob(), "the compressed unit of '" + c.fileName()
            + "' at " + c.compressedOffset() + " is " + len + " bytes, too large to read");
      }
      byte[] unit = source.read(c.compressedOffset(), (int) len);
      try {
        data = codec.decode(unit, 0, unit.length, c, blob());
      } catch (LayerFormatException e) {
        throw undecodable(blob(), c, e);
      }
    }
    ChunkVerifier.verify(blob(), c, data);
    return data;
  }

  /**
   * A stream of a regular file's verified bytes (a hardlink reads as its target). Each chunk is
   * fetched and verified when the stream reaches it.
   */
  public InputStream openFile(LayerEntry entry) throws IOException {
    return new FileStream(regular(entry));
  }

  /**
   * Reads up to {@code len} bytes of a regular file starting at {@code fileOffset}; returns how
   * many were read, or -1 at or past the end of the file.
   */
  public int read(LayerEntry entry, long fileOffset, byte[] dst, int off, int len)
      throws IOException {
    LayerEntry e = regular(entry);
    if (fileOffset < 0) {
      throw new IllegalArgumentException("negative file offset " + fileOffset);
    }
    if (fileOffset >= e.size()) {
      return -1;
    }
    int n = 0;
    int i = e.chunkIndexAt(fileOffset);
    long pos = fileOffset;
    while (n < len && pos < e.size()) {
      Chunk c = e.chunks().get(i++);
      byte[] data = readChunk(c);
      int from = (int) (pos - c.fileOffset());
      int k = Math.min(len - n, data.length - from);
      System.arraycopy(data, from, dst, off + n, k);
      n += k;
      pos += k;
    }
    return n;
  }

  /**
   * Reads every chunk of the layer in blob order, verified, and hands each to {@code sink} on
   * the calling thread in blob order. Neighbouring units are fetched in one read of up to a
   * few MiB, and {@code parallelism} threads fetch, decode and verify them: the fast way to
   * read or check a whole layer.
   */
  public void readAll(int parallelism, ChunkSink sink) throws IOException {
    new BulkChunkReader(source, layer, parallelism).run(sink);
  }

  /** A codec error, with the file and chunk it happened in. */
  static LayerFormatException undecodable(String blob, Chunk c, LayerFormatException e) {
    return new LayerFormatException(blob, "cannot decode the chunk of '" + c.fileName()
        + "' at file offset " + c.fileOffset() + " (" + c.size() + " bytes, compressed ["
        + c.compressedOffset() + ", " + c.compressedEnd() + ")): " + e.detail(), e);
  }

  private LayerEntry regular(LayerEntry entry) throws IOException {
    LayerEntry e = index().resolveHardlink(entry);
    if (!e.isRegular()) {
      throw new IOException(blob() + ": '" + entry.name() + "' is a " + e.type().jsonName()
          + ", not a regular file");
    }
    return e;
  }

  @Override
  public void close() throws IOException {
    source.close();
  }

  /** Receives verified chunks from {@link #readAll}. */
  @FunctionalInterface
  public interface ChunkSink {
    void accept(Chunk chunk, byte[] data) throws IOException;
  }

  /**
   * A sink that takes chunks too large for memory (units over
   * {@link UnitStreamer#DEFAULT_STREAM_ABOVE}) as verified files instead of arrays: with it,
   * {@link #readAll} runs in bounded memory whatever the chunk sizes. A plain
   * {@link ChunkSink} gets every chunk in memory.
   */
  public interface StagedChunkSink extends ChunkSink {
    /**
     * Where to stage large chunks (a directory on the file system they will end up on, to
     * avoid a copy across file systems); null to have them verified without being kept.
     */
    Path stagingDirectory();

    /**
     * {@code chunk}'s bytes, verified, in {@code file} (null without a staging directory).
     * The sink may move the file; whatever is left of it is deleted after this returns.
     */
    void acceptStaged(Chunk chunk, Path file) throws IOException;
  }

  /**
   * Streams a file chunk by chunk; each chunk is verified before its first byte is returned. A
   * chunk too large for memory is staged, verified, in a temp file ({@code java.io.tmpdir})
   * that is deleted once read.
   */
  private final class FileStream extends InputStream {
    private final List<Chunk> chunks;
    private int next;
    private InputStream current = InputStream.nullInputStream();

    FileStream(LayerEntry e) {
      this.chunks = e.chunks();
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      while (true) {
        int n = current.read(b, off, len);
        if (n > 0) {
          return n;
        }
        current.close();
        if (next == chunks.size()) {
          return -1;
        }
        current = openChunk(chunks.get(next++));
      }
    }

    @Override
    public void close() throws IOException {
      current.close();
    }
  }

  /** A verified chunk's bytes: from memory, or from a staged file if it is too large. */
  private InputStream openChunk(Chunk c) throws IOException {
    long streamAbove = UnitStreamer.DEFAULT_STREAM_ABOVE;
    if (!UnitStreamer.tooLargeForMemory(c.compressedLength(), c.innerOffset() + c.size(),
        streamAbove)) {
      return new java.io.ByteArrayInputStream(readChunk(c));
    }
    if (c.zeros()) {
      try {
        UnitStreamer.streamDecoded(UnitStreamer.zeros(c.size()), List.of(c), blob(),
            stagingCheck(null));
      } catch (RejectedChunk r) {
        throw r.getCause();
      }
      return UnitStreamer.zeros(c.size());
    }
    Path file = Files.createTempFile("layer-chunk-", ".tmp");
    try {
      try (InputStream in = source.openStream(c.compressedOffset(), c.compressedLength())) {
        UnitStreamer.stream(in, codec, List.of(c), blob(), stagingCheck(file));
      }
      return Files.newInputStream(file, StandardOpenOption.DELETE_ON_CLOSE);
    } catch (RejectedChunk r) {
      Files.deleteIfExists(file);
      throw r.getCause();
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(file);
      throw e;
    }
  }

  /** Stages one chunk in {@code file} (null: only verifies it); a rejection is thrown. */
  private UnitStreamer.ChunkFiles stagingCheck(Path file) {
    return new UnitStreamer.ChunkFiles() {
      @Override
      public Path create(Chunk c) {
        return file;
      }

      @Override
      public void verified(Chunk c, Path f) {}

      @Override
      public void rejected(Chunk c, IOException why) {
        throw new RejectedChunk(why instanceof LayerFormatException lf
            && !(why instanceof org.stargzstore.estargz.ChunkDigestMismatchException)
            ? undecodable(blob(), c, lf) : why);
      }
    };
  }

  /** Carries a rejection out of {@link UnitStreamer} callbacks. */
  private static final class RejectedChunk extends java.io.UncheckedIOException {
    private static final long serialVersionUID = 1L;

    RejectedChunk(IOException cause) {
      super(cause);
    }
  }
}
