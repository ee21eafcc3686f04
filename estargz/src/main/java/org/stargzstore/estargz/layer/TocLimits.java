package org.stargzstore.estargz.layer;

/**
 * How big a TOC a reader accepts: its size in bytes (compressed and uncompressed) and its number
 * of entries. The bytes bound what is read and decompressed; the entries bound the heap of the
 * index built from it (each entry costs a few hundred bytes, docs/configuration.md "Memory"), which
 * the byte cap alone does not: 150 MiB of the smallest entries is several million of them.
 *
 * @param maxBytes the largest TOC, compressed or uncompressed
 * @param maxEntries the most TOC entries ({@code chunk} entries included)
 */
public record TocLimits(long maxBytes, int maxEntries) {
  /** The default: {@link LayerFormat#DEFAULT_MAX_TOC_SIZE} and no limit on entries. */
  public static final TocLimits DEFAULT =
      new TocLimits(LayerFormat.DEFAULT_MAX_TOC_SIZE, Integer.MAX_VALUE);

  public TocLimits {
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("max TOC size must be positive: " + maxBytes);
    }
    if (maxEntries <= 0) {
      throw new IllegalArgumentException("max TOC entries must be positive: " + maxEntries);
    }
  }

  /** {@code maxBytes} and no limit on entries. */
  public static TocLimits ofBytes(long maxBytes) {
    return new TocLimits(maxBytes, Integer.MAX_VALUE);
  }
}
