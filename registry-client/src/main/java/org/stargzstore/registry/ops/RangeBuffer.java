package org.stargzstore.registry.ops;

import java.util.ArrayList;
import java.util.List;

/**
 * The destination of one range of a multi-range read: a buffer for {@code [offset, offset +
 * length)} and which parts of it have been filled, so that whatever a server did not send (or a
 * failed connection cut off) can be fetched again, and nothing unfilled is ever returned.
 */
public final class RangeBuffer {
  private final long offset;
  private final byte[] data;
  /** Filled intervals [start, end) relative to offset, sorted and disjoint. */
  private final List<long[]> filled = new ArrayList<>();

  public RangeBuffer(long offset, int length) {
    this.offset = offset;
    this.data = new byte[length];
  }

  public long offset() {
    return offset;
  }

  public long end() {
    return offset + data.length;
  }

  public byte[] data() {
    return data;
  }

  /** Records that {@code [from, to)} (absolute blob offsets) holds real bytes now. */
  public void markFilled(long from, long to) {
    long s = Math.max(from, offset) - offset;
    long e = Math.min(to, end()) - offset;
    if (e <= s) {
      return;
    }
    List<long[]> out = new ArrayList<>();
    boolean placed = false;
    for (long[] iv : filled) {
      if (iv[1] < s) {
        out.add(iv);
      } else if (iv[0] > e) {
        if (!placed) {
          out.add(new long[] {s, e});
          placed = true;
        }
        out.add(iv);
      } else {
        s = Math.min(s, iv[0]);
        e = Math.max(e, iv[1]);
      }
    }
    if (!placed) {
      out.add(new long[] {s, e});
    }
    filled.clear();
    filled.addAll(out);
  }

  /** The absolute {@code [start, end)} intervals still missing. */
  public List<long[]> missing() {
    List<long[]> out = new ArrayList<>();
    long pos = 0;
    for (long[] iv : filled) {
      if (iv[0] > pos) {
        out.add(new long[] {offset + pos, offset + iv[0]});
      }
      pos = iv[1];
    }
    if (pos < data.length) {
      out.add(new long[] {offset + pos, end()});
    }
    return out;
  }
}
