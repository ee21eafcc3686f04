package org.stargzstore.types.io;

/**
 * A byte range of a blob: {@code [offset, offset + length)}. Used to ask for several ranges in
 * one request.
 */
public record ByteRange(long offset, int length) implements Comparable<ByteRange> {

  public ByteRange {
    if (offset < 0 || length < 0) {
      throw new IllegalArgumentException("negative offset or length: " + offset + ", " + length);
    }
  }

  /** The offset just past the range. */
  public long end() {
    return offset + length;
  }

  @Override
  public int compareTo(ByteRange o) {
    int c = Long.compare(offset, o.offset);
    return c != 0 ? c : Integer.compare(length, o.length);
  }

  @Override
  public String toString() {
    return "[" + offset + ", " + end() + ")";
  }
}
