package org.stargzstore.fs.store;

import java.io.IOException;
import org.stargzstore.types.Digest;

/**
 * Content offered to the store does not hash to the digest it was offered as (a registry serving
 * altered or truncated bytes). Nothing was stored: the store never holds bytes under a name they
 * do not hash to.
 */
public final class ContentDigestMismatchException extends IOException {
  private static final long serialVersionUID = 1L;
  private final Digest expected;
  private final Digest actual;

  /** @param source what the bytes came from (a blob's description), for the message */
  public ContentDigestMismatchException(String source, Digest expected, Digest actual) {
    super(source + " hashes to " + actual + ", not to the expected " + expected
        + "; not stored");
    this.expected = expected;
    this.actual = actual;
  }

  public Digest expected() {
    return expected;
  }

  public Digest actual() {
    return actual;
  }
}
