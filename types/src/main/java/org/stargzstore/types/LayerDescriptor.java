package org.stargzstore.types;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What an image manifest says about one layer: media type, digest, size and annotations. The
 * annotations carry the TOC digest a lazily read layer is verified against.
 */
public record LayerDescriptor(String mediaType, Digest digest, long size,
    Map<String, String> annotations) {

  public static final String STARGZ_TOC_DIGEST = "containerd.io/snapshot/stargz/toc.digest";
  public static final String ESTARGZ_UNCOMPRESSED_SIZE = "io.containers.estargz.uncompressed-size";
  public static final String ZSTD_CHUNKED_MANIFEST_CHECKSUM =
      "io.github.containers.zstd-chunked.manifest-checksum";
  public static final String ZSTD_CHUNKED_MANIFEST_POSITION =
      "io.github.containers.zstd-chunked.manifest-position";
  public static final String ZSTD_CHUNKED_TARSPLIT_POSITION =
      "io.github.containers.zstd-chunked.tarsplit-position";
  /** containers/storage 1.47 - 1.53: sha256 of the compressed tar-split (later in the TOC). */
  public static final String ZSTD_CHUNKED_TARSPLIT_CHECKSUM =
      "io.github.containers.zstd-chunked.tarsplit-checksum";
  /**
   * Ours (the converter's, with {@code --prioritize}): how many bytes from the blob's start hold
   * its prioritized files, up to its {@code .prefetch.landmark}; a reader may ask for them together
   * with the TOC instead of after it. Only a hint: what is read is still checked against the TOC.
   */
  public static final String PREFETCH_SIZE = "org.stargzstore.prefetch-size";
  public static final String LEGACY_ZSTD_CHUNKED_MANIFEST_CHECKSUM =
      "io.containers.zstd-chunked.manifest-checksum";
  public static final String LEGACY_ZSTD_CHUNKED_MANIFEST_POSITION =
      "io.containers.zstd-chunked.manifest-position";

  public LayerDescriptor {
    Objects.requireNonNull(mediaType, "mediaType");
    annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
  }

  /** {@code containerd.io/snapshot/stargz/toc.digest}, if present and well formed. */
  public Optional<Digest> stargzTocDigest() {
    return digestAnnotation(STARGZ_TOC_DIGEST);
  }

  /** The zstd:chunked manifest checksum (current key, else the podman 4.x key). */
  public Optional<Digest> zstdChunkedManifestChecksum() {
    Optional<Digest> d = digestAnnotation(ZSTD_CHUNKED_MANIFEST_CHECKSUM);
    return d.isPresent() ? d : digestAnnotation(LEGACY_ZSTD_CHUNKED_MANIFEST_CHECKSUM);
  }

  /** The raw zstd:chunked manifest position annotation (current key, else the podman 4.x key). */
  public Optional<String> zstdChunkedManifestPosition() {
    String v = annotations.get(ZSTD_CHUNKED_MANIFEST_POSITION);
    if (v == null) {
      v = annotations.get(LEGACY_ZSTD_CHUNKED_MANIFEST_POSITION);
    }
    return Optional.ofNullable(v);
  }

  /** The digest that names this layer's TOC: the stargz TOC digest, else the zstd:chunked one. */
  public Optional<Digest> tocDigest() {
    Optional<Digest> d = stargzTocDigest();
    return d.isPresent() ? d : zstdChunkedManifestChecksum();
  }

  /** {@code io.containers.estargz.uncompressed-size}, if present and a number. */
  public OptionalLong uncompressedSize() {
    return sizeAnnotation(ESTARGZ_UNCOMPRESSED_SIZE);
  }

  /** {@link #PREFETCH_SIZE}, if present, a number and within the blob. */
  public OptionalLong prefetchSize() {
    OptionalLong n = sizeAnnotation(PREFETCH_SIZE);
    return n.isPresent() && n.getAsLong() > 0 && n.getAsLong() <= size ? n : OptionalLong.empty();
  }

  private OptionalLong sizeAnnotation(String key) {
    String v = annotations.get(key);
    if (v == null) {
      return OptionalLong.empty();
    }
    try {
      long n = Long.parseLong(v.trim());
      return n >= 0 ? OptionalLong.of(n) : OptionalLong.empty();
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  private Optional<Digest> digestAnnotation(String key) {
    String v = annotations.get(key);
    return v != null && Digest.isValid(v) ? Optional.of(Digest.parse(v)) : Optional.empty();
  }
}
