package org.stargzstore.estargz.writer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import org.stargzstore.estargz.writer.TarHeaderParser.BadHeader;
import org.stargzstore.estargz.writer.TarHeaderParser.Format;

/**
 * Reads a tar archive as a sequence of raw pieces, so that a writer can copy it byte for byte:
 * for each entry its header blocks ({@link #rawHeader()}), its content ({@link #readContent}) and
 * its padding ({@link #readPadding()}); after the last entry the end-of-archive marker
 * ({@link #endOfArchive()}) and whatever follows it ({@link #remainder()}).
 *
 * <p>End-of-archive handling follows Go's reader: two zero blocks, one zero block then end of
 * input, or end of input at a block boundary all end the archive; a truncated header or content
 * is an {@link InvalidTarException}. Content and padding the caller does not read are skipped.
 */
public final class TarStreamReader {
  private final InputStream in;
  private final String input;
  private final byte[] block = new byte[TarHeaderParser.BLOCK];
  private final ByteArrayOutputStream raw = new ByteArrayOutputStream();
  private long position;
  private TarEntry current;
  private long contentRemaining;
  private int paddingRemaining;
  private byte[] endMarker;
  private int entries;

  /**
   * @param in the uncompressed tar stream (the reader buffers nothing itself: pass a buffered
   *     stream; its {@code skip} is used for content the caller does not read)
   * @param input the input's name for error messages
   */
  public TarStreamReader(InputStream in, String input) {
    this.in = in;
    this.input = input;
  }

  /** Bytes consumed from the stream so far. */
  public long position() {
    return position;
  }

  /**
   * Reads the next entry's header blocks. Returns null at the end of the archive (then
   * {@link #endOfArchive()} holds the end marker bytes that were read).
   */
  public TarEntry next() throws IOException {
    if (endMarker != null) {
      return null;
    }
    skipRemainderOfEntry();
    raw.reset();
    long headerOffset = position;
    Map<String, byte[]> pax = Map.of();
    byte[] longName = null;
    byte[] longLink = null;
    while (true) {
      long blockOffset = position;
      int n = readUpTo(block, 0, TarHeaderParser.BLOCK);
      if (n == 0 && raw.size() == 0) {
        endMarker = new byte[0];
        current = null;
        return null;
      }
      if (n < TarHeaderParser.BLOCK) {
        throw truncated("a header block at offset " + blockOffset);
      }
      if (raw.size() == 0 && TarHeaderParser.isZeroBlock(block)) {
        return readEndMarker(blockOffset);
      }
      Format format = TarHeaderParser.format(block);
      if (format == null) {
        throw new InvalidTarException(input, blockOffset == 0
            ? "not a tar archive (no valid tar header at offset 0)"
            : "invalid tar header at offset " + blockOffset + " (bad checksum) after "
                + entries + " entries");
      }
      raw.write(block, 0, TarHeaderParser.BLOCK);
      char flag = TarHeaderParser.typeflag(block);
      try {
        if (flag == 'x' || flag == 'L' || flag == 'K') {
          long size = TarHeaderParser.sizeField(block);
          if (size > TarHeaderParser.MAX_SPECIAL_FILE) {
            throw new BadHeader("extension header of " + size + " bytes is too large");
          }
          byte[] data = new byte[(int) size];
          readExactly(data, "an extension header at offset " + blockOffset);
          raw.write(data, 0, data.length);
          byte[] pad = new byte[TarEntry.padding(size)];
          readExactly(pad, "an extension header at offset " + blockOffset);
          raw.write(pad, 0, pad.length);
          switch (flag) {
            case 'x' -> pax = TarHeaderParser.parsePax(data);
            case 'L' -> longName = data;
            default -> longLink = data;
          }
          continue;
        }
        TarHeader header = TarHeaderParser.build(block, format, pax, longName, longLink);
        current = new TarEntry(header, headerOffset, raw.size(), position);
        contentRemaining = header.contentLength();
        paddingRemaining = TarEntry.padding(contentRemaining);
        entries++;
        return current;
      } catch (BadHeader e) {
        String name = TarHeaderParser.utf8(TarHeaderParser.cString(block, 0, 100));
        throw new InvalidTarException(input, "tar entry " + name + " at offset " + headerOffset
            + ": " + e.getMessage());
      }
    }
  }

  private TarEntry readEndMarker(long offset) throws IOException {
    ByteArrayOutputStream marker = new ByteArrayOutputStream();
    marker.write(block, 0, TarHeaderParser.BLOCK);
    int n = readUpTo(block, 0, TarHeaderParser.BLOCK);
    if (n == TarHeaderParser.BLOCK) {
      if (!TarHeaderParser.isZeroBlock(block)) {
        throw new InvalidTarException(input, "a zero block at offset " + offset
            + " is followed by a non-zero block (corrupt archive)");
      }
      marker.write(block, 0, n);
    } else if (n > 0) {
      throw truncated("the end-of-archive marker at offset " + offset);
    }
    endMarker = marker.toByteArray();
    current = null;
    return null;
  }

  /** The header blocks of the entry {@link #next()} returned, exactly as stored. */
  public byte[] rawHeader() {
    return raw.toByteArray();
  }

  /** The entry {@link #next()} returned last, or null. */
  public TarEntry current() {
    return current;
  }

  /** Reads content of the current entry; -1 once all of it was read. */
  public int readContent(byte[] b, int off, int len) throws IOException {
    if (contentRemaining == 0) {
      return -1;
    }
    int want = (int) Math.min(len, contentRemaining);
    int n = in.read(b, off, want);
    if (n < 0) {
      throw truncated(current.header().name() + " (" + contentRemaining
          + " content bytes missing at offset " + position + ")");
    }
    position += n;
    contentRemaining -= n;
    return n;
  }

  /**
   * Reads the padding after the current entry's content (call after all content was read). A
   * stream that ends inside the padding ends the archive, as in Go's reader.
   */
  public byte[] readPadding() throws IOException {
    if (contentRemaining > 0) {
      throw new IllegalStateException("content not read");
    }
    byte[] pad = new byte[paddingRemaining];
    int n = readUpTo(pad, 0, pad.length);
    paddingRemaining = 0;
    if (n < pad.length) {
      endMarker = new byte[0];
      return java.util.Arrays.copyOf(pad, n);
    }
    return pad;
  }

  /** The end-of-archive marker bytes, once {@link #next()} returned null; else null. */
  public byte[] endOfArchive() {
    return endMarker == null ? null : endMarker.clone();
  }

  /**
   * The bytes after the end-of-archive marker (often zero padding to a 10 KiB record), for
   * writers that keep the archive byte for byte.
   */
  public InputStream remainder() {
    if (endMarker == null) {
      throw new IllegalStateException("the archive has not ended");
    }
    return new InputStream() {
      @Override
      public int read() throws IOException {
        int c = in.read();
        if (c >= 0) {
          position++;
        }
        return c;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0) {
          position += n;
        }
        return n;
      }
    };
  }

  private void skipRemainderOfEntry() throws IOException {
    long skip = contentRemaining + paddingRemaining;
    boolean contentMissing = contentRemaining > 0;
    while (skip > 0) {
      long n = in.skip(skip);
      if (n <= 0) {
        if (in.read() < 0) {
          if (contentMissing && contentRemaining > 0 && skip > paddingRemaining) {
            throw truncated(current.header().name() + " (" + (skip - paddingRemaining)
                + " content bytes missing at offset " + position + ")");
          }
          break;
        }
        n = 1;
      }
      position += n;
      skip -= n;
    }
    contentRemaining = 0;
    paddingRemaining = 0;
  }

  private int readUpTo(byte[] b, int off, int len) throws IOException {
    int total = 0;
    while (total < len) {
      int n = in.read(b, off + total, len - total);
      if (n < 0) {
        break;
      }
      total += n;
    }
    position += total;
    return total;
  }

  private void readExactly(byte[] b, String what) throws IOException {
    if (readUpTo(b, 0, b.length) < b.length) {
      throw truncated(what);
    }
  }

  private InvalidTarException truncated(String what) {
    return new InvalidTarException(input, "truncated tar archive: the input ends inside " + what);
  }
}
