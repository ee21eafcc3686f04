package org.stargzstore.fs.store;

import java.io.IOException;
import org.stargzstore.types.Digest;

/**
 * Stored (verified) content has another length than the metadata asking for it says. A digest
 * fixes the content, hence its length: the metadata (a TOC) is wrong, and the read must fail
 * rather than serve a prefix or run past the end.
 */
public final class ContentLengthMismatchException extends IOException {
  private static final long serialVersionUID = 1L;

  private final Digest digest;
  private final long expected;
  private final long actual;

  public ContentLengthMismatchException(Digest digest, long expected, long actual) {
    super("TOC says " + expected + " bytes for digest " + digest + " but verified content has "
        + actual);
    this.digest = digest;
    this.expected = expected;
    this.actual = actual;
  }

  public Digest digest() {
    return digest;
  }

  public long expected() {
    return expected;
  }

  public long actual() {
    return actual;
  }
}
