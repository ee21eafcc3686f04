package org.stargzstore.estargz.writer;

import java.util.Objects;

/**
 * Where one tar entry sits in its archive: the raw header blocks (including the PAX and GNU
 * extension headers that belong to it) and the content that follows them. Writers that keep the
 * tar byte for byte copy these ranges; writers that reorder entries re-read them by offset.
 *
 * @param header the decoded header
 * @param headerOffset offset of the entry's first header block (an extension header, if any)
 * @param headerLength length of all its header blocks together
 * @param contentOffset offset of the first content byte ({@code headerOffset + headerLength})
 */
public record TarEntry(TarHeader header, long headerOffset, int headerLength, long contentOffset) {
  public TarEntry {
    Objects.requireNonNull(header, "header");
  }

  public long contentLength() {
    return header.contentLength();
  }

  /** The zero padding after the content, up to the next 512-byte block. */
  public int paddingLength() {
    return padding(contentLength());
  }

  /** Offset just after this entry's content and padding. */
  public long endOffset() {
    return contentOffset + contentLength() + paddingLength();
  }

  static int padding(long length) {
    return (int) ((TarHeaderParser.BLOCK - (length % TarHeaderParser.BLOCK)) % TarHeaderParser.BLOCK);
  }
}
