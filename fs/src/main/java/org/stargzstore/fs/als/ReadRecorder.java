package org.stargzstore.fs.als;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.stargzstore.types.io.RangeSource;

/**
 * Remembers the bytes read through it while a layer is opened, so the TOC the opener read can be
 * kept in the store without asking the registry for it a second time.
 */
final class ReadRecorder implements RangeSource {
  private record Read(long offset, byte[] data) {}

  private final RangeSource delegate;
  private final List<Read> reads = new ArrayList<>();

  ReadRecorder(RangeSource delegate) {
    this.delegate = delegate;
  }

  @Override
  public long size() throws IOException {
    return delegate.size();
  }

  @Override
  public void readFully(long offset, byte[] dst, int dstOffset, int length) throws IOException {
    delegate.readFully(offset, dst, dstOffset, length);
    byte[] copy = new byte[length];
    System.arraycopy(dst, dstOffset, copy, 0, length);
    synchronized (reads) {
      reads.add(new Read(offset, copy));
    }
  }

  @Override
  public String describe() {
    return delegate.describe();
  }

  /** {@code [offset, offset+length)} assembled from what was read, or read now if it was not. */
  byte[] bytesAt(long offset, int length) throws IOException {
    byte[] out = new byte[length];
    boolean[] have = new boolean[length];
    int covered = 0;
    synchronized (reads) {
      for (Read r : reads) {
        long from = Math.max(offset, r.offset());
        long to = Math.min(offset + length, r.offset() + r.data().length);
        for (long p = from; p < to; p++) {
          int i = (int) (p - offset);
          if (!have[i]) {
            out[i] = r.data()[(int) (p - r.offset())];
            have[i] = true;
            covered++;
          }
        }
      }
    }
    return covered == length ? out : delegate.read(offset, length);
  }
}
