package org.stargzstore.estargz.layer;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.stargzstore.estargz.format.EstargzFormat;
import org.stargzstore.types.Digest;
import org.stargzstore.types.LayerDescriptor;

/**
 * How to open a layer blob: which formats to try, what TOC digest to expect, how big a TOC may
 * be. Immutable; build with {@link #builder()}.
 *
 * <p>The default format list is eStargz only, because this module knows no zstd; pass
 * {@code LayerFormats.all()} (module {@code zstdchunked}) to read every format.
 */
public final class OpenOptions {
  /** The largest TOC we can hold in one array. */
  static final long MAX_TOC_SIZE_LIMIT = Integer.MAX_VALUE - 8;

  private final List<LayerFormat> formats;
  private final Digest expected;
  private final LayerDescriptor descriptor;
  private final long maxTocSize;
  private final int maxTocEntries;

  private OpenOptions(Builder b) {
    this.formats = List.copyOf(b.formats);
    this.expected = b.expected;
    this.descriptor = b.descriptor;
    this.maxTocSize = b.maxTocSize;
    this.maxTocEntries = b.maxTocEntries;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The formats to try, in order. */
  public List<LayerFormat> formats() {
    return formats;
  }

  /** A TOC digest given explicitly (e.g. {@code --toc-digest}); it overrides the descriptor's. */
  public Optional<Digest> expectedTocDigest() {
    return Optional.ofNullable(expected);
  }

  /** The layer's descriptor: TOC digest annotations, size, manifest position. */
  public Optional<LayerDescriptor> descriptor() {
    return Optional.ofNullable(descriptor);
  }

  /** The largest TOC (compressed or uncompressed) to accept. */
  public long maxTocSize() {
    return maxTocSize;
  }

  /** The most TOC entries to accept (no limit by default). */
  public int maxTocEntries() {
    return maxTocEntries;
  }

  /** Both limits, as the formats take them. */
  public TocLimits limits() {
    return new TocLimits(maxTocSize, maxTocEntries);
  }

  /** The TOC digest to check {@code format}'s TOC against, or null if none is known. */
  Digest expectedFor(LayerFormat format) {
    if (expected != null) {
      return expected;
    }
    return descriptor == null ? null : format.expectedTocDigest(descriptor).orElse(null);
  }

  /** True if a TOC digest is known for at least one of the formats. */
  public boolean canVerifyToc() {
    if (expected != null) {
      return true;
    }
    return descriptor != null
        && formats.stream().anyMatch(f -> f.expectedTocDigest(descriptor).isPresent());
  }

  /** Builds {@link OpenOptions}. */
  public static final class Builder {
    private List<LayerFormat> formats = List.of(new EstargzFormat());
    private Digest expected;
    private LayerDescriptor descriptor;
    private long maxTocSize = LayerFormat.DEFAULT_MAX_TOC_SIZE;
    private int maxTocEntries = Integer.MAX_VALUE;

    private Builder() {}

    public Builder formats(List<? extends LayerFormat> v) {
      if (v.isEmpty()) {
        throw new IllegalArgumentException("no formats to try");
      }
      formats = List.copyOf(v);
      return this;
    }

    public Builder expectedTocDigest(Digest v) {
      expected = v;
      return this;
    }

    public Builder descriptor(LayerDescriptor v) {
      descriptor = v;
      return this;
    }

    public Builder maxTocSize(long v) {
      if (v <= 0 || v > MAX_TOC_SIZE_LIMIT) {
        throw new IllegalArgumentException("max TOC size must be in (0, " + MAX_TOC_SIZE_LIMIT
            + "]: " + v);
      }
      maxTocSize = v;
      return this;
    }

    /** The most TOC entries to accept: a TOC with more is refused before it is indexed. */
    public Builder maxTocEntries(int v) {
      if (v <= 0) {
        throw new IllegalArgumentException("max TOC entries must be positive: " + v);
      }
      maxTocEntries = v;
      return this;
    }

    public OpenOptions build() {
      Objects.requireNonNull(formats);
      return new OpenOptions(this);
    }
  }
}
