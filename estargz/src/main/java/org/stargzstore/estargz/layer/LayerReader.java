package org.stargzstore.estargz.layer;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.stargzstore.estargz.LayerFormatException;
import org.stargzstore.estargz.io.RangeSource;

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

  /** Streams a file chunk by chunk; each chunk is verified before its first byte is returned. */
  private final class FileStream extends InputStream {
    private final List<Chunk> chunks;
    private int next;
    private byte[] current = new byte[0];
    private int pos;

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
      while (pos == current.length) {
        if (next == chunks.size()) {
          return -1;
        }
        current = readChunk(chunks.get(next++));
        pos = 0;
      }
      int k = Math.min(len, current.length - pos);
      System.arraycopy(current, pos, b, off, k);
      pos += k;
      return k;
    }
  }
}
