package org.stargzstore.fs.fetch;

import java.io.IOException;
import java.io.InputStream;
import org.stargzstore.types.io.RangeSource;

/**
 * A layer blob the daemon fetches from: random reads for TOCs and small pieces, and streams for
 * long runs of chunks ({@link #openStream}: one HTTP request, another to resume one cut off,
 * consumed as it arrives, never held whole in memory).
 */
public interface BlobSource extends RangeSource {
  /** Adapts any {@link RangeSource} (a local file, in tests and tools). */
  static BlobSource of(RangeSource source) {
    if (source instanceof BlobSource b) {
      return b;
    }
    return new BlobSource() {
      @Override
      public long size() throws IOException {
        return source.size();
      }

      @Override
      public void readFully(long offset, byte[] dst, int dstOffset, int length)
          throws IOException {
        source.readFully(offset, dst, dstOffset, length);
      }

      @Override
      public InputStream openStream(long offset, long length) throws IOException {
        return source.openStream(offset, length);
      }

      @Override
      public String describe() {
        return source.describe();
      }

      @Override
      public void close() throws IOException {
        source.close();
      }
    };
  }
}
