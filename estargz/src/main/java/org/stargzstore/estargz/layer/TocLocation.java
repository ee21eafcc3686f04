package org.stargzstore.estargz.layer;

/**
 * Where a format's TOC sits in a blob, as its footer (or a manifest annotation) says.
 *
 * @param offset compressed offset of the TOC
 * @param length compressed length of the TOC
 * @param uncompressedLength uncompressed length if the format records it, else -1
 */
public record TocLocation(long offset, long length, long uncompressedLength) {
  public TocLocation {
    if (offset < 0 || length <= 0 || length > Long.MAX_VALUE - offset) {
      throw new IllegalArgumentException("bad TOC location " + offset + "+" + length);
    }
  }

  public long end() {
    return offset + length;
  }
}
