package org.stargzstore.estargz.io;

import java.io.EOFException;
import java.io.IOException;
import org.stargzstore.types.io.RangeSource;

/**
 * A {@link RangeSource} over bytes already in memory: a blob small enough to hold (a test layer,
 * a fuzzer's input), read with the same opener and reader as a file or a registry blob.
 */
public final class ByteArrayRangeSource implements RangeSource {
  private final String name;
  private final byte[] bytes;

  /** Serves a copy of {@code bytes}, named {@code name} in error messages. */
  public ByteArrayRangeSource(String name, byte[] bytes) {
    this.name = name;
    this.bytes = bytes.clone();
  }

  @Override
  public long size() {
    return bytes.length;
  }

  @Override
  public void readFully(long offset, byte[] dst, int dstOffset, int length) throws IOException {
    if (offset < 0 || length < 0) {
      throw new IllegalArgumentException("negative offset or length: " + offset + ", " + length);
    }
    if (offset > bytes.length - (long) length) {
      throw new EOFException(name + ": wanted " + length + " bytes at offset " + offset
          + " but the blob has " + bytes.length);
    }
    System.arraycopy(bytes, (int) offset, dst, dstOffset, length);
  }

  @Override
  public String describe() {
    return name;
  }
}
