package org.stargzstore.estargz.writer;

import java.io.IOException;

/**
 * The input of a conversion is not a tar archive the writers can convert: not a tar at all, cut
 * short, or using a tar feature no lazily pullable format can describe (sparse files, global PAX
 * headers). The message names the input and, where known, the entry and byte offset.
 */
public final class InvalidTarException extends IOException {
  private static final long serialVersionUID = 1L;

  public InvalidTarException(String input, String message) {
    super(input + ": " + message);
  }

  public InvalidTarException(String input, String message, Throwable cause) {
    super(input + ": " + message, cause);
  }
}
