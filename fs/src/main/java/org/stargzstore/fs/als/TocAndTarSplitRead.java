package org.stargzstore.fs.als;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.logging.Logger;
import org.stargzstore.estargz.layer.TocLocation;
import org.stargzstore.types.Digest;
import org.stargzstore.types.LayerDescriptor;
import org.stargzstore.types.io.RangeSource;
import org.stargzstore.zstdchunked.TarSplitLocation;

/**
 * One read for a containers/storage zstd:chunked layer's TOC and the tar-split right after it
 * (the 1.47+ layout: file data, the manifest's frame, the tar-split's frame, the footer).
 * podman 5.4 looks such a layer up by its blob digest, whose {@code info} needs the exact tar
 * size, and only the tar-split states it: fetched on its own it was a second request on the
 * path podman waits on, sharing the link with the entrypoint's prefetch (0.39 s on 50 Mbit/s +
 * 25 ms, docs/benchmarks.md "zstd:chunked from podman, never seen"). The opener's read of the
 * TOC is served from the one read of both; the tar-split is measured from it once the TOC is
 * verified (its digest vouches for the tar-split) and then dropped.
 */
final class TocAndTarSplitRead implements RangeSource {
  private static final Logger LOG = Logger.getLogger(TocAndTarSplitRead.class.getName());
  /** At most this many bytes between the TOC's end and the tar-split (a skippable header: 8). */
  static final long MAX_GAP = 64;
  /**
   * A larger tar-split is not read with the TOC: held whole in memory, and it would delay the
   * TOC for a size only podman 4.x-5.0 lookups need (it is then streamed when asked for).
   */
  static final long MAX_TAR_SPLIT = 16L << 20;

  private final RangeSource blob;
  private final TocLocation toc;
  private final TarSplitLocation tarSplit;
  private byte[] span;

  private TocAndTarSplitRead(RangeSource blob, TocLocation toc, TarSplitLocation tarSplit) {
    this.blob = blob;
    this.toc = toc;
    this.tarSplit = tarSplit;
  }

  /**
   * A source that reads {@code blob}'s TOC at {@code toc} together with its tar-split, if the
   * layer has no stated tar size, its annotation puts the tar-split right after the TOC and it
   * is at most {@link #MAX_TAR_SPLIT} bytes; else empty (read the TOC from {@code blob} alone).
   */
  static Optional<TocAndTarSplitRead> of(RangeSource blob, LayerDescriptor d,
      Optional<TocLocation> toc) {
    if (toc.isEmpty() || d.uncompressedSize().isPresent()) {
      return Optional.empty();
    }
    Optional<TarSplitLocation> ts = TarSplitLocation.fromAnnotation(d);
    if (ts.isEmpty() || ts.get().offset() < toc.get().end()
        || ts.get().offset() - toc.get().end() > MAX_GAP
        || ts.get().length() > MAX_TAR_SPLIT) {
      return Optional.empty();
    }
    return Optional.of(new TocAndTarSplitRead(blob, toc.get(), ts.get()));
  }

  @Override
  public long size() throws IOException {
    return blob.size();
  }

  @Override
  public void readFully(long offset, byte[] dst, int dstOffset, int length) throws IOException {
    long spanEnd = tarSplit.offset() + tarSplit.length();
    if (offset < toc.offset() || offset + length > spanEnd) {
      blob.readFully(offset, dst, dstOffset, length);
      return;
    }
    System.arraycopy(span(), (int) (offset - toc.offset()), dst, dstOffset, length);
  }

  private synchronized byte[] span() throws IOException {
    if (span == null) {
      long spanEnd = tarSplit.offset() + tarSplit.length();
      span = blob.read(toc.offset(), Math.toIntExact(spanEnd - toc.offset()));
    }
    return span;
  }

  @Override
  public String describe() {
    return blob.describe();
  }

  /**
   * The exact tar size from the tar-split read with the TOC, if {@code expected} (the digest
   * that vouches for it: see {@link ExactDiffSize#tarSplitDigest}) is known and the bytes hash
   * to it and parse; else empty, and the size is measured when needed as if this read had not
   * happened (a mismatch is reported there).
   */
  OptionalLong tarSize(Optional<Digest> expected) {
    byte[] s;
    synchronized (this) {
      s = span;
      span = null;
    }
    if (s == null || expected.isEmpty()) {
      return OptionalLong.empty();
    }
    int at = (int) (tarSplit.offset() - toc.offset());
    try (InputStream in = new ByteArrayInputStream(s, at, s.length - at)) {
      return OptionalLong.of(TarSplitSize.measure(in, tarSplit, expected.get()));
    } catch (IOException e) {
      LOG.fine(() -> blob.describe() + ": the tar-split read with the TOC gives no size ("
          + e.getMessage() + ")");
      return OptionalLong.empty();
    }
  }
}
