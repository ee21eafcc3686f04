package org.stargzstore.estargz.writer;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.stargzstore.estargz.toc.EntryType;
import org.stargzstore.estargz.toc.Toc;
import org.stargzstore.estargz.toc.TocEntry;
import org.stargzstore.estargz.toc.TocJson;
import org.stargzstore.types.Digest;
import org.stargzstore.types.LayerDescriptor;

/**
 * Writes a tar as an eStargz-layout layer: every chunk of every regular file starts a new
 * compressed unit, the TOC lists each entry with the compressed offset of its chunks, and a
 * flavour-specific trailer (gzip footer, or zstd skippable frames) points at the TOC. The gzip
 * flavour is eStargz; the zstd flavour is stargz-snapshotter's zstd:chunked.
 *
 * <p>Entries are copied with their original header bytes (lossless, unlike the reference, which
 * re-serialises headers); their order is that of {@link StargzEntryOrder}. The input must be an
 * uncompressed tar file: it is read twice (an index pass over the headers, then the copy), which
 * is what lets prioritized files move to the front without holding the layer in memory.
 */
public final class StargzLayerWriter {
  /** Default chunk size, as the reference ({@code estargz.Writer.ChunkSize} 0 means 4 MiB). */
  public static final int DEFAULT_CHUNK_SIZE = 4 << 20;
  /** Smallest chunk size accepted: a chunk per tar block is already absurd. */
  public static final int MIN_CHUNK_SIZE = 512;
  /** Mode of the files the writer adds (landmarks, the TOC); the reference writes 0. */
  static final int METADATA_FILE_MODE = 0644;
  private static final byte LANDMARK_CONTENT = 0x0f;
  private static final int COPY_BUFFER = 256 << 10;

  /**
   * What differs between eStargz and the stargz flavour of zstd:chunked: the media type, the
   * codec of every unit, and what follows the last entry. The first two are plain values, held
   * here once; a flavour writes only its own tail.
   */
  public abstract static class Flavor {
    private final String mediaType;
    private final FrameCodec codec;

    protected Flavor(String mediaType, FrameCodec codec) {
      this.mediaType = Objects.requireNonNull(mediaType, "mediaType");
      this.codec = Objects.requireNonNull(codec, "codec");
    }

    public final String mediaType() {
      return mediaType;
    }

    public final FrameCodec codec() {
      return codec;
    }

    /**
     * Writes everything after the last entry (TOC, end-of-archive marker, footer) and returns
     * the annotations this flavour adds besides the TOC digest and uncompressed size. The
     * uncompressed size annotation is computed from {@code w} after this returns.
     */
    public abstract Map<String, String> writeTocAndFooter(ParallelFrameWriter w, byte[] tocJson)
        throws IOException;
  }

  private final Flavor flavor;
  private final int chunkSize;
  private final List<String> prioritized;
  private final WriterResources resources;

  private StargzLayerWriter(Builder b) {
    this.flavor = Objects.requireNonNull(b.flavor, "flavor");
    this.chunkSize = b.chunkSize;
    this.prioritized = List.copyOf(b.prioritized);
    this.resources = b.resources;
  }

  public static Builder builder(Flavor flavor) {
    return new Builder(flavor);
  }

  public int chunkSize() {
    return chunkSize;
  }

  /**
   * Converts the uncompressed tar file {@code tar} and writes the blob to {@code out} (not
   * closed).
   *
   * @throws InvalidTarException if {@code tar} is not a tar this writer can convert
   */
  public LayerWriteResult write(Path tar, OutputStream out) throws IOException {
    String input = tar.toString();
    try (FileChannel ch = FileChannel.open(tar, StandardOpenOption.READ)) {
      List<TarEntry> entries = scan(ch, input);
      StargzEntryOrder.Plan plan = StargzEntryOrder.plan(entries, prioritized);
      DigestingOutputStream blob = new DigestingOutputStream(out);
      try (ParallelFrameWriter w = resources.newFrameWriter(blob, flavor.codec(), chunkSize)) {
        List<PendingEntry> toc = new ArrayList<>();
        byte[] copyBuf = new byte[COPY_BUFFER];
        ParallelFrameWriter.Unit prefetchLandmark = null;
        for (StargzEntryOrder.Planned p : plan.entries()) {
          if (p instanceof StargzEntryOrder.FromInput fi) {
            copyEntry(ch, input, fi.entry(), w, toc, copyBuf);
          } else if (p instanceof StargzEntryOrder.Landmark lm) {
            ParallelFrameWriter.Unit unit = writeLandmark(lm.name(), w, toc);
            if (lm.name().equals(StargzEntryOrder.PREFETCH_LANDMARK)) {
              prefetchLandmark = unit;
            }
          }
        }
        w.flush();
        List<TocEntry> tocEntries = new ArrayList<>(toc.size());
        for (PendingEntry e : toc) {
          tocEntries.add(e.build());
        }
        byte[] json = TocJson.write(new Toc(1, tocEntries));
        Map<String, String> extra = flavor.writeTocAndFooter(w, json);
        w.flush();
        Digest tocDigest = Digest.of(json);
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(LayerDescriptor.STARGZ_TOC_DIGEST, tocDigest.toString());
        annotations.put(LayerDescriptor.ESTARGZ_UNCOMPRESSED_SIZE,
            Long.toString(w.uncompressedSize()));
        annotations.putAll(extra);
        if (prefetchLandmark != null) {
          // the prioritized files' chunks all end where the landmark's frame begins
          annotations.put(LayerDescriptor.PREFETCH_SIZE,
              Long.toString(prefetchLandmark.compressedOffset()));
        }
        List<String> warnings = new ArrayList<>();
        for (String m : plan.missingPrioritized()) {
          warnings.add("prioritized file " + m + " is not in " + input + "; ignored");
        }
        return new LayerWriteResult(flavor.mediaType(), blob.digest(), w.compressedSize(),
            w.diffId(), tocDigest, w.uncompressedSize(), annotations, warnings);
      }
    }
  }

  private static List<TarEntry> scan(FileChannel ch, String input) throws IOException {
    TarStreamReader r = new TarStreamReader(
        new BufferedInputStream(Channels.newInputStream(ch), 64 << 10), input);
    List<TarEntry> entries = new ArrayList<>();
    for (TarEntry e = r.next(); e != null; e = r.next()) {
      entries.add(e);
    }
    return entries;
  }

  private void copyEntry(FileChannel ch, String input, TarEntry e, ParallelFrameWriter w,
      List<PendingEntry> toc, byte[] buf) throws IOException {
    byte[] header = new byte[e.headerLength()];
    readFully(ch, input, header, 0, header.length, e.headerOffset());
    w.write(header);
    TarHeader h = e.header();
    TocEntry.Builder first = StargzTocEntries.fromHeader(h);
    if (h.type() != EntryType.REG) {
      toc.add(new PendingEntry(first, null));
      return;
    }
    long size = e.contentLength();
    MessageDigest fileDigest = Digest.newSha256();
    long written = 0;
    long pos = e.contentOffset();
    TocEntry.Builder entry = first;
    PendingEntry head = null;
    while (written < size) {
      long remain = size - written;
      int n = (int) Math.min(chunkSize, remain);
      ParallelFrameWriter.Unit unit = w.beginUnit(n + TarBlocks.BLOCK);
      if (remain >= chunkSize) {
        entry.chunkSize(n);
      }
      entry.chunkOffset(written);
      MessageDigest chunkDigest = Digest.newSha256();
      for (int done = 0; done < n; ) {
        int k = Math.min(buf.length, n - done);
        readFully(ch, input, buf, 0, k, pos);
        chunkDigest.update(buf, 0, k);
        if (size > n) {
          fileDigest.update(buf, 0, k);
        }
        w.write(buf, 0, k);
        done += k;
        pos += k;
      }
      Digest cd = Digest.fromBytes(chunkDigest.digest());
      entry.chunkDigest(cd.toString());
      PendingEntry pending = new PendingEntry(entry, unit);
      toc.add(pending);
      if (head == null) {
        head = pending;
        if (size == n) {
          entry.digest(cd.toString()); // one chunk: the file digest is the chunk digest
        }
      }
      written += n;
      entry = TocEntry.builder().name(h.name()).type(EntryType.CHUNK);
    }
    if (size == 0) {
      first.digest(Digest.of(new byte[0]).toString());
      toc.add(new PendingEntry(first, null));
    } else if (size > chunkSize) {
      head.builder().digest(Digest.fromBytes(fileDigest.digest()).toString());
    }
    w.write(TarBlocks.padding(size));
  }

  private static ParallelFrameWriter.Unit writeLandmark(String name, ParallelFrameWriter w,
      List<PendingEntry> toc) throws IOException {
    byte[] content = {LANDMARK_CONTENT};
    w.write(TarBlocks.regularFileHeader(name, content.length, METADATA_FILE_MODE));
    ParallelFrameWriter.Unit unit = w.beginUnit(TarBlocks.BLOCK);
    w.write(content);
    w.write(TarBlocks.padding(content.length));
    String digest = Digest.of(content).toString();
    toc.add(new PendingEntry(StargzTocEntries.syntheticFile(name, content.length,
        METADATA_FILE_MODE).chunkDigest(digest).digest(digest), unit));
    return unit;
  }

  static void readFully(FileChannel ch, String input, byte[] dst, int off, int len, long pos)
      throws IOException {
    ByteBuffer bb = ByteBuffer.wrap(dst, off, len);
    while (bb.hasRemaining()) {
      int n = ch.read(bb, pos + (bb.position() - off));
      if (n < 0) {
        throw new InvalidTarException(input, "changed while being converted (ends at "
            + (pos + bb.position() - off) + ")", new EOFException());
      }
    }
  }

  /** A TOC entry waiting for the compressed offset of its unit. */
  private record PendingEntry(TocEntry.Builder builder, ParallelFrameWriter.Unit unit) {
    TocEntry build() {
      if (unit != null) {
        builder.offset(unit.compressedOffset());
      }
      return builder.build();
    }
  }

  /** Configures a {@link StargzLayerWriter}. */
  public static final class Builder {
    private final Flavor flavor;
    private int chunkSize = DEFAULT_CHUNK_SIZE;
    private List<String> prioritized = List.of();
    private WriterResources resources = WriterResources.defaults();

    private Builder(Flavor flavor) {
      this.flavor = flavor;
    }

    /** Largest uncompressed chunk of a file (default 4 MiB). */
    public Builder chunkSize(int chunkSize) {
      if (chunkSize < MIN_CHUNK_SIZE) {
        throw new IllegalArgumentException("chunk size must be at least " + MIN_CHUNK_SIZE
            + " bytes, not " + chunkSize);
      }
      this.chunkSize = chunkSize;
      return this;
    }

    /** Files to move to the front of the layer, in this order (paths as in the tar). */
    public Builder prioritizedFiles(List<String> files) {
      this.prioritized = List.copyOf(files);
      return this;
    }

    /** Threads and memory for compression. */
    public Builder resources(WriterResources resources) {
      this.resources = Objects.requireNonNull(resources);
      return this;
    }

    public StargzLayerWriter build() {
      return new StargzLayerWriter(this);
    }
  }
}
