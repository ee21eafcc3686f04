package org.stargzstore.fs.fuse.kernel;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What the kernel asked of a session: requests per opcode and the sizes of READs. Cheap enough
 * to keep always on; tests read it to see what reached the daemon (a LOOKUP per listed entry
 * means READDIRPLUS is off, a READ on a second open means the page cache was dropped).
 */
public final class SessionStats {
  private final AtomicLongArray requests = new AtomicLongArray(Opcode.LIMIT);
  private final AtomicLong largestRead = new AtomicLong();
  private final AtomicLong bytesRead = new AtomicLong();

  void request(int opcode) {
    if (opcode >= 0 && opcode < Opcode.LIMIT) {
      requests.incrementAndGet(opcode);
    }
  }

  void read(int size, int returned) {
    largestRead.accumulateAndGet(size, Math::max);
    bytesRead.addAndGet(returned);
  }

  /** Requests of {@code opcode} (see {@link Opcode}) since the mount. */
  public long requests(int opcode) {
    return requests.get(opcode);
  }

  /** The largest READ the kernel asked for, in bytes. */
  public long largestRead() {
    return largestRead.get();
  }

  /** Bytes returned by READs. */
  public long bytesRead() {
    return bytesRead.get();
  }
}
