package org.stargzstore.fs.store;

import java.io.IOException;
import org.stargzstore.types.Digest;

/**
 * A stored blob no longer hashes to its name (disk corruption, or a write cut short by a power
 * loss). The store has already deleted it; callers treat it as missing and fetch it again.
 */
public final class CorruptContentException extends IOException {
  private static final long serialVersionUID = 1L;

  public CorruptContentException(Digest expected, Digest actual) {
    super("stored content " + expected + " hashes to " + actual + "; deleted it");
  }
}
