package org.stargzstore.estargz;

import org.stargzstore.types.Digest;

/** The TOC's bytes do not hash to the digest the manifest annotation promised. */
public final class TocDigestMismatchException extends LayerFormatException {
  private static final long serialVersionUID = 1L;
  private final Digest expected;
  private final Digest actual;

  public TocDigestMismatchException(String blob, Digest expected, Digest actual) {
    super(blob, "TOC digest mismatch: the manifest annotation says " + expected
        + " but the TOC in the blob hashes to " + actual);
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
