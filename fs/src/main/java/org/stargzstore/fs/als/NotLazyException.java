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
    /**
     * The image could not be resolved for a reason the registry client did not type (a
     * resolution that outlasted {@code resolve_timeout}, a source other than the registry); the
     * client's typed failures have the {@code registry-*} reasons below, chosen by
     * {@link ImageSource#fallbackReason}.
     */
    REGISTRY_ERROR("registry-error"),
    /** The image, manifest or blob does not exist (404, MANIFEST_UNKNOWN, BLOB_UNKNOWN). */
    REGISTRY_NOT_FOUND("registry-not-found"),
    /** No credentials, or the registry rejected them (401). */
    REGISTRY_UNAUTHORIZED("registry-unauthorized"),
    /** Authenticated but not allowed (403, DENIED). */
    REGISTRY_DENIED("registry-denied"),
    /** Too many requests (429), even after waiting as told. */
    REGISTRY_RATE_LIMITED("registry-rate-limited"),
    /** The registry kept answering 5xx after the retries. */
    REGISTRY_SERVER_ERROR("registry-server-error"),
    /** Connection refused or reset, timeout, TLS failure, after the retries. */
    REGISTRY_NETWORK("registry-network"),
    /** A manifest, config or blob fetched whole did not hash to its digest. */
    REGISTRY_DIGEST_MISMATCH("registry-digest-mismatch"),
    /** The registry answered something the distribution API does not allow. */
    REGISTRY_PROTOCOL("registry-protocol"),
    /** registries.conf blocks the registry. */
    REGISTRY_BLOCKED("registry-blocked"),
    /** The daemon's registry configuration (registries.conf, auth file, certs.d) is unusable. */
    REGISTRY_CONFIGURATION("registry-configuration"),
    /** A valid answer the client does not read (a schema 1 manifest, a non-sha256 digest). */
    REGISTRY_UNSUPPORTED("registry-unsupported"),
    UNKNOWN_LAYER("unknown-layer"),
    /** The reference is an index and none of its platforms' images (searched) has the layer. */
    OTHER_PLATFORM("other-platform"),
    NOT_LAZY_FORMAT("not-lazy-format"),
    NO_TOC_DIGEST("no-toc-digest"),
    BAD_LAYER("bad-layer"),
    /**
     * The TOC is over the daemon's limits: more entries than {@code [fetch] max_toc_entries}
     * (its index would not fit the heap budget), or more bytes than the 150 MiB cap.
     */
    TOC_TOO_LARGE("toc-too-large"),
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
