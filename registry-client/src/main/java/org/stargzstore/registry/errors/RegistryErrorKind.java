package org.stargzstore.registry.errors;

/**
 * What kind of failure a {@link RegistryException} is, so callers decide by kind rather than by
 * parsing messages: the file system maps {@link #NOT_FOUND} to ENOENT and everything else to EIO.
 */
public enum RegistryErrorKind {
  /** The image, manifest or blob does not exist (404, MANIFEST_UNKNOWN, BLOB_UNKNOWN, ...). */
  NOT_FOUND,
  /** No credentials, or the registry rejected them (401). */
  UNAUTHORIZED,
  /** Authenticated but not allowed (403, DENIED). */
  DENIED,
  /** Too many requests (429) even after waiting as told. */
  RATE_LIMITED,
  /** Content did not match its digest. */
  DIGEST_MISMATCH,
  /** Connection refused or reset, timeout, TLS failure, after the retries. */
  NETWORK,
  /** The registry kept failing (5xx) after the retries. */
  SERVER,
  /** The registry answered something that breaks the distribution API (bad range, bad JSON). */
  PROTOCOL,
  /** registries.conf blocks this registry. */
  BLOCKED,
  /** Our own configuration is unusable (registries.conf, auth files, certs.d). */
  CONFIGURATION,
  /** A valid response we do not support (a schema 1 manifest, a non-sha256 digest). */
  UNSUPPORTED;

  /** The errno a file system should answer for this kind: ENOENT for not found, else EIO. */
  public String errno() {
    return this == NOT_FOUND ? "ENOENT" : "EIO";
  }
}
