package org.stargzstore.fs.als;

/**
 * A layer (or a whole image) will not be served lazily: podman is answered ENOENT and pulls it
 * the normal way. Carries a short reason code for the counters and a sentence for the log.
 */
public final class NotLazyException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why an image or layer is not lazily pulled; the code is what {@code status} counts. */
  public enum Reason {
    BAD_NAME("bad-name"),
    BAD_REFERENCE("bad-reference"),
    REGISTRY_ERROR("registry-error"),
    UNKNOWN_LAYER("unknown-layer"),
    /** The reference is an index and none of its platforms' images (searched) has the layer. */
    OTHER_PLATFORM("other-platform"),
    NOT_LAZY_FORMAT("not-lazy-format"),
    NO_TOC_DIGEST("no-toc-digest"),
    BAD_LAYER("bad-layer"),
    /**
     * Asked for by blob digest (podman 4.x, 5.0), which needs the exact tar size, and the size
     * is neither stated nor measurable (see {@code ExactDiffSize}); the TOC-digest name still
     * serves the layer.
     */
    UNKNOWN_UNCOMPRESSED_SIZE("unknown-uncompressed-size");

    private final String code;

    Reason(String code) {
      this.code = code;
    }

    public String code() {
      return code;
    }
  }

  private final Reason reason;

  public NotLazyException(Reason reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  public NotLazyException(Reason reason, String message, Throwable cause) {
    super(message, cause, false, false);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
