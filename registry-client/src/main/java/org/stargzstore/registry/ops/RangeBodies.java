package org.stargzstore.registry.ops;

import java.io.EOFException;
import java.io.IOException;
import java.net.ProtocolException;
import java.util.List;
import okhttp3.MediaType;
import okhttp3.MultipartReader;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.BufferedSource;
import org.stargzstore.registry.RegistryStats;
import org.stargzstore.registry.errors.RegistryProtocolException;

/**
 * Reads the body of a blob GET into place, whatever form the server chose: 206 with the
 * requested range (checked against {@code Content-Range}, never trusted blindly), 206
 * {@code multipart/byteranges} (taken apart by OkHttp's {@link MultipartReader}), or 200 with the whole blob because {@code Range} was ignored;
 * the last is streamed and the unwanted bytes discarded, never held in memory. Progress is
 * recorded as bytes land, so a read cut off part-way can resume from where it stopped.
 */
public final class RangeBodies {
  private static final int SKIP_CHUNK = 64 << 10;

  private RangeBodies() {}

  /** Bytes copied so far by a read that may fail part-way. */
  public static final class Progress {
    private long bytes;

    public long bytes() {
      return bytes;
    }
  }

  /**
   * How a response to a range request starting at some offset is positioned.
   *
   * @param ignored the server ignored {@code Range} (a 200); the bytes before the offset have
   *     been skipped
   * @param available bytes the body holds from the offset on (unbounded for a 200)
   */
  public record Positioned(boolean ignored, long available) {}

  /**
   * Checks the answer to a request for a range starting at {@code offset} and positions its
   * body there: a 206 must be a single part whose {@code Content-Range} starts exactly at
   * {@code offset} (and agrees with the blob size if known); a 200 is skipped forward.
   */
  public static Positioned position(Response r, long offset, long blobSize, RegistryStats stats,
      String what) throws IOException {
    BufferedSource src = source(r, what);
    if (r.code() == 206) {
      if (multipartBoundary(r.header("Content-Type")) != null) {
        throw new RegistryProtocolException(what + ": multipart answer to a single-range request");
      }
      ContentRange cr = ContentRange.parse(r.header("Content-Range"), what);
      checkTotal(cr, blobSize, what);
      if (cr.first() != offset) {
        throw new RegistryProtocolException(what + ": asked for bytes from " + offset
            + " but the server sent Content-Range " + r.header("Content-Range"));
      }
      return new Positioned(false, cr.length());
    }
    skip(src, offset, stats, what);
    return new Positioned(true, Long.MAX_VALUE);
  }

  /**
   * Copies up to {@code length} bytes starting at blob offset {@code offset} from a response to
   * a request that asked for a range starting there; fewer if the server sent a shorter range.
   *
   * @param blobSize the blob's size if known (-1 otherwise), checked against Content-Range
   * @return true if the server ignored the Range header (a 200)
   */
  public static boolean readInto(Response r, long offset, byte[] dst, int dstOff, int length,
      long blobSize, Progress progress, RegistryStats stats, String what) throws IOException {
    Positioned pos = position(r, offset, blobSize, stats, what);
    BufferedSource src = r.body().source();
    int want = (int) Math.min(length, pos.available());
    while (progress.bytes < want) {
      int n = src.read(dst, dstOff + (int) progress.bytes, (int) (want - progress.bytes));
      if (n < 0) {
        throw new EOFException(what + ": body ended after " + progress.bytes + " of " + want
            + " bytes");
      }
      progress.bytes += n;
    }
    return pos.ignored();
  }

  /**
   * Fills {@code targets} (sorted, disjoint) from a response to a multi-range request: a
   * multipart body, a single coalesced 206 part, or a whole-blob 200 (read only as far as the
   * last target, then abandoned). Parts that cover no target are discarded as they stream by.
   *
   * @return true if the server ignored the Range header (a 200)
   */
  public static boolean fill(Response r, List<RangeBuffer> targets, long blobSize,
      RegistryStats stats, String what) throws IOException {
    BufferedSource src = source(r, what);
    if (r.code() == 200) {
      // read only as far as the last target; the rest of the blob is abandoned with the response
      long last = targets.get(targets.size() - 1).end();
      copyPart(src, 0, last, targets, stats);
      return true;
    }
    String boundary = multipartBoundary(r.header("Content-Type"));
    if (boundary == null) {
      ContentRange cr = ContentRange.parse(r.header("Content-Range"), what);
      checkTotal(cr, blobSize, what);
      copyPart(src, cr.first(), cr.last() + 1, targets, stats);
      return false;
    }
    try (MultipartReader parts = new MultipartReader(src, boundary)) {
      while (true) {
        MultipartReader.Part part = parts.nextPart();
        if (part == null) {
          break;
        }
        try (part) {
          String header = part.headers().get("Content-Range");
          if (header == null) {
            throw new RegistryProtocolException(what + ": a multipart part has no Content-Range");
          }
          ContentRange cr = ContentRange.parse(header, what);
          checkTotal(cr, blobSize, what);
          copyPart(part.body(), cr.first(), cr.last() + 1, targets, stats);
          if (!part.body().exhausted()) {
            throw new RegistryProtocolException(what + ": a multipart part is longer than its"
                + " Content-Range says");
          }
        }
      }
    } catch (ProtocolException e) {
      throw new RegistryProtocolException(what + ": malformed multipart body ("
          + e.getMessage() + ")", e);
    }
    return false;
  }

  /**
   * The boundary parameter of a {@code Content-Type}, or null if it is not
   * {@code multipart/byteranges} (RFC 9110 §14.6) with a boundary.
   */
  static String multipartBoundary(String contentType) {
    MediaType type = contentType == null ? null : MediaType.parse(contentType);
    if (type == null || !type.type().equalsIgnoreCase("multipart")
        || !type.subtype().equalsIgnoreCase("byteranges")) {
      return null;
    }
    String b = type.parameter("boundary");
    return b == null || b.isEmpty() ? null : b;
  }

  /** Streams the part {@code [from, to)} from {@code src}, copying what overlaps the targets. */
  private static void copyPart(BufferedSource src, long from, long to, List<RangeBuffer> targets,
      RegistryStats stats) throws IOException {
    long pos = from;
    for (RangeBuffer t : targets) {
      if (t.end() <= pos || t.offset() >= to) {
        continue;
      }
      if (t.offset() > pos) {
        skip(src, t.offset() - pos, stats, "multi-range read");
        pos = t.offset();
      }
      long stop = Math.min(to, t.end());
      long start = pos;
      while (pos < stop) {
        int n = src.read(t.data(), (int) (pos - t.offset()), (int) (stop - pos));
        if (n < 0) {
          t.markFilled(start, pos);
          throw new EOFException("multi-range read: body ended at offset " + pos);
        }
        pos += n;
      }
      t.markFilled(start, stop);
    }
    // a multipart body must be consumed up to the next delimiter
    if (pos < to) {
      skip(src, to - pos, stats, "multi-range read");
    }
  }

  private static void skip(BufferedSource src, long n, RegistryStats stats, String what)
      throws IOException {
    long left = n;
    while (left > 0) {
      long step = Math.min(left, SKIP_CHUNK);
      if (!src.request(step)) {
        throw new EOFException(what + ": body ended while skipping to the wanted bytes");
      }
      src.skip(step);
      left -= step;
      stats.onDiscarded(step);
    }
  }

  private static void checkTotal(ContentRange cr, long blobSize, String what)
      throws RegistryProtocolException {
    if (blobSize >= 0 && cr.total() >= 0 && cr.total() != blobSize) {
      throw new RegistryProtocolException(what + ": Content-Range says the blob has "
          + cr.total() + " bytes, its descriptor says " + blobSize);
    }
  }

  private static BufferedSource source(Response r, String what) throws RegistryProtocolException {
    ResponseBody body = r.body();
    if (body == null) {
      throw new RegistryProtocolException(what + ": response without a body");
    }
    return body.source();
  }
}
