package org.stargzstore.estargz;

/**
 * A TOC over a reader's limit, in bytes (compressed or not) or in entries: refused before it is
 * held whole, so that a huge TOC costs a clear error instead of the reader's memory. Callers that
 * serve layers tell it apart from a malformed TOC (the layer is fine, only too big to index).
 */
public final class TocTooLargeException extends InvalidTocException {
  private static final long serialVersionUID = 1L;
  private final boolean overEntries;

  /** A TOC over the byte cap. */
  public TocTooLargeException(String blob, String message) {
    this(blob, message, false);
  }

  /** @param overEntries true if it is the entry limit the TOC is over, not the byte cap */
  public TocTooLargeException(String blob, String message, boolean overEntries) {
    super(blob, message);
    this.overEntries = overEntries;
  }

  /** True if the TOC has too many entries; false if it has too many bytes. */
  public boolean overEntries() {
    return overEntries;
  }
}
