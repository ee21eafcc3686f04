package org.stargzstore.fs.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.stargzstore.types.io.ByteRange;
import org.stargzstore.types.io.RangeSource;

/**
 * A layer blob the daemon fetches from: random reads for TOCs and small pieces, and streams for
 * long runs of chunks ({@link #openStream}: one HTTP request, another to resume one cut off,
 * consumed as it arrives, never held whole in memory).
 */
public interface BlobSource extends RangeSource {
  /**
   * Reads several ranges, in the order asked. A registry blob asks for many of them in one
   * multi-range request where the registry allows it ({@link #severalRangesPerRequest}); the
   * default reads them one by one.
   */
  default List<byte[]> readRanges(List<ByteRange> ranges) throws IOException {
    List<byte[]> out = new ArrayList<>(ranges.size());
    for (ByteRange r : ranges) {
      out.add(read(r.offset(), r.length()));
    }
    return out;
  }

  /**
   * True if {@link #readRanges} costs about one request for many ranges (or no request: a local
   * source), false if each range is a request of its own: a caller with many small ranges then
   * merges them more coarsely.
   */
  default boolean severalRangesPerRequest() {
    return true;
  }

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
