package org.stargzstore.registry;

import java.util.Objects;
import org.stargzstore.types.Digest;

/**
 * A manifest or index exactly as the registry served it (verified against its digest), with the
 * reference it was pulled from (a mirror's, after rewriting) and its media type.
 */
public final class ManifestResponse {
  private final ImageReference source;
  private final byte[] bytes;
  private final String mediaType;
  private final Digest digest;

  public ManifestResponse(ImageReference source, byte[] bytes, String mediaType, Digest digest) {
    this.source = Objects.requireNonNull(source);
    this.bytes = bytes.clone();
    this.mediaType = mediaType;
    this.digest = Objects.requireNonNull(digest);
  }

  /** The reference the bytes came from (the mirror or rewritten location actually used). */
  public ImageReference source() {
    return source;
  }

  /** A copy of the bytes. */
  public byte[] bytes() {
    return bytes.clone();
  }

  public int size() {
    return bytes.length;
  }

  /** The Content-Type the registry served, or null. */
  public String mediaType() {
    return mediaType;
  }

  /** sha256 of the bytes. */
  public Digest digest() {
    return digest;
  }
}
