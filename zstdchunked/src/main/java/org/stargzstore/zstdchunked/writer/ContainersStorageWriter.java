package org.stargzstore.zstdchunked.writer;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.stargzstore.estargz.toc.EntryType;
import org.stargzstore.estargz.toc.TocEntry;
import org.stargzstore.estargz.writer.DigestingOutputStream;
import org.stargzstore.estargz.writer.InvalidTarException;
import org.stargzstore.estargz.writer.LayerWriteResult;
import org.stargzstore.estargz.writer.ParallelFrameWriter;
import org.stargzstore.estargz.writer.TarEntry;
import org.stargzstore.estargz.writer.TarHeader;
import org.stargzstore.estargz.writer.TarStreamReader;
import org.stargzstore.estargz.writer.WriterResources;
import org.stargzstore.types.Digest;
import org.stargzstore.types.LayerDescriptor;

/**
 * Writes zstd:chunked exactly as containers/storage ({@code podman push --compression-format
 * zstd:chunked}) does: the blob decompresses to the input tar byte for byte (so the diffID is the
 * sha256 of the input), every file's content is cut into chunks with containers/storage's rolling
 * checksum, each chunk in its own zstd frame, and the manifest (TOC) follows the data in a
 * skippable frame.
 *
 * <p>With {@link Target#CURRENT} (the default) the blob is what current containers/storage
 * writes and needs for partial pulls: manifest with {@code tarSplitDigest}, tar-split in a second
 * skippable frame, 64-byte {@code GNUlInUx} footer, {@code io.github.containers.zstd-chunked.*}
 * annotations; the podman 4.x annotations ({@code io.containers.zstd-chunked.*}) are added as well,
 * and containers/storage 1.43 reads the manifest through them (it only reads a footer when those
 * annotations are missing). {@link Target#V1_43} writes exactly the podman 4.3.1 layout instead:
 * no tar-split, the 40-byte {@code GnUlInUx} footer, only the old annotations.
 *
 * <p>The input is read once, as a stream: it need not be a file.
 */
public final class ContainersStorageWriter {
  /** Default upper bound of a data chunk (see {@link ContentChunker}). */
  public static final int DEFAULT_MAX_CHUNK = 4 << 20;
  private static final int COPY_BUFFER = 256 << 10;

  /** Which containers/storage the layout is for. */
  public enum Target {
    /** podman 4.x (containers/storage 1.43): manifest and 40-byte footer only. */
    V1_43,
    /** current containers/storage: manifest, tar-split, 64-byte footer, both annotation sets. */
    CURRENT
  }

  private final ZstdFrameCodec codec;
  private final int maxChunk;
  private final Target target;
  private final WriterResources resources;

  private ContainersStorageWriter(Builder b) {
    this.codec = new ZstdFrameCodec(b.level);
    this.maxChunk = b.maxChunk;
    this.target = b.target;
    this.resources = b.resources;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Converts the uncompressed tar {@code tar} (named {@code input} in errors) and writes the blob
   * to {@code out} (not closed).
   */
  public LayerWriteResult write(InputStream tar, String input, OutputStream out)
      throws IOException {
    TarStreamReader reader = new TarStreamReader(
        tar instanceof BufferedInputStream ? tar : new BufferedInputStream(tar, 64 << 10), input);
    DigestingOutputStream blob = new DigestingOutputStream(out);
    TarSplitWriter tarSplit = target == Target.CURRENT ? new TarSplitWriter(codec.level()) : null;
    Map<String, Long> seen = new HashMap<>();
    try (ParallelFrameWriter w = resources.newFrameWriter(blob, codec, maxChunk)) {
      List<FileChunks> files = new ArrayList<>();
      byte[] padding = new byte[0];
      byte[] buf = new byte[COPY_BUFFER];
      for (TarEntry e = reader.next(); e != null; e = reader.next()) {
        TarHeader h = e.header();
        if (tarSplit != null) {
          Long first = seen.putIfAbsent(goPathClean(h.name()), e.headerOffset());
          if (first != null) {
            throw new InvalidTarException(input, "tar entry " + h.name() + " at offset "
                + e.headerOffset() + " repeats the path of the entry at offset " + first
                + "; containers/storage's tar-split cannot describe a path twice (convert with"
                + " the 1.43 layout, or to estargz, or remove the duplicate)");
          }
        }
        byte[] raw = concat(padding, reader.rawHeader());
        w.write(raw);
        if (tarSplit != null) {
          tarSplit.segment(raw);
        }
        FileChunks fc = new FileChunks(h, w);
        Crc64 crc = new Crc64();
        if (h.contentLength() > 0) {
          ContentChunker chunker = new ContentChunker(fc, maxChunk);
          for (int n; (n = reader.readContent(buf, 0, buf.length)) > 0; ) {
            crc.update(buf, 0, n);
            chunker.feed(buf, 0, n);
          }
          chunker.finish();
          fc.end = w.beginUnit(0);
        }
        if (tarSplit != null) {
          tarSplit.file(h, h.size() > 0 ? crc.bytes() : null);
        }
        files.add(fc);
        padding = reader.readPadding();
      }
      byte[] tail = concat(padding, reader.endOfArchive());
      w.write(tail);
      if (tarSplit != null) {
        tarSplit.segment(tail);
      }
      copyRemainder(reader.remainder(), w, tarSplit);
      w.flush();
      long dataEnd = w.compressedSize();
      Digest diffId = w.diffId();
      long uncompressed = w.uncompressedSize();

      List<TocEntry> toc = new ArrayList<>();
      for (FileChunks fc : files) {
        fc.addTo(toc);
      }
      byte[] tarSplitBytes = tarSplit == null ? null : tarSplit.finish();
      byte[] manifestJson = StorageManifestJson.write(toc,
          tarSplit == null ? null : Digest.of(tarSplitBytes));
      byte[] manifest = codec.compress(manifestJson);
      long manifestOffset = dataEnd + SkippableFrames.HEADER_SIZE;
      w.writeRaw(SkippableFrames.wrap(manifest));
      Digest manifestDigest = Digest.of(manifest);
      String position = manifestOffset + ":" + manifest.length + ":" + manifestJson.length + ":"
          + SkippableFrames.MANIFEST_TYPE_CRFS;
      Map<String, String> annotations = new LinkedHashMap<>();
      annotations.put(LayerDescriptor.LEGACY_ZSTD_CHUNKED_MANIFEST_CHECKSUM,
          manifestDigest.toString());
      annotations.put(LayerDescriptor.LEGACY_ZSTD_CHUNKED_MANIFEST_POSITION, position);
      if (tarSplit == null) {
        w.writeRaw(SkippableFrames.wrap(
            SkippableFrames.footer40(manifestOffset, manifest.length, manifestJson.length)));
      } else {
        long tarSplitOffset = manifestOffset + manifest.length + SkippableFrames.HEADER_SIZE;
        w.writeRaw(SkippableFrames.wrap(tarSplitBytes));
        w.writeRaw(SkippableFrames.wrap(SkippableFrames.footer64(manifestOffset,
            manifest.length, manifestJson.length, tarSplitOffset, tarSplitBytes.length,
            tarSplit.uncompressedSize())));
        annotations.put(LayerDescriptor.ZSTD_CHUNKED_MANIFEST_CHECKSUM, manifestDigest.toString());
        annotations.put(LayerDescriptor.ZSTD_CHUNKED_MANIFEST_POSITION, position);
        annotations.put(LayerDescriptor.ZSTD_CHUNKED_TARSPLIT_POSITION, tarSplitOffset + ":"
            + tarSplitBytes.length + ":" + tarSplit.uncompressedSize());
      }
      return new LayerWriteResult(LayerWriteResult.MEDIA_TYPE_ZSTD, blob.digest(),
          w.compressedSize(), diffId, manifestDigest, uncompressed, annotations, List.of());
    }
  }

  private static void copyRemainder(InputStream rest, ParallelFrameWriter w,
      TarSplitWriter tarSplit) throws IOException {
    byte[] piece = new byte[TarSplitWriter.PADDING_CHUNK];
    while (true) {
      int n = rest.readNBytes(piece, 0, piece.length);
      if (n <= 0) {
        return;
      }
      w.write(piece, 0, n);
      if (tarSplit != null) {
        tarSplit.segment(java.util.Arrays.copyOf(piece, n));
      }
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    if (a.length == 0) {
      return b;
    }
    byte[] r = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }

  /** Go's {@code filepath.Clean}, which tar-split uses to detect repeated paths. */
  static String goPathClean(String p) {
    boolean rooted = p.startsWith("/");
    List<String> out = new ArrayList<>();
    for (String part : p.split("/", -1)) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (!out.isEmpty() && !out.get(out.size() - 1).equals("..")) {
          out.remove(out.size() - 1);
        } else if (!rooted) {
          out.add("..");
        }
        continue;
      }
      out.add(part);
    }
    String s = (rooted ? "/" : "") + String.join("/", out);
    return s.isEmpty() ? "." : s;
  }

  /** One tar entry's TOC entries: collects its chunks as the content streams through. */
  private static final class FileChunks implements ContentChunker.Listener {
    private final TarHeader header;
    private final ParallelFrameWriter w;
    private final List<ChunkInfo> chunks = new ArrayList<>(1);
    private final MessageDigest fileDigest = Digest.newSha256();
    private long written;
    private ParallelFrameWriter.Unit unit;
    private MessageDigest chunkDigest;
    private long chunkStart;
    ParallelFrameWriter.Unit end;

    FileChunks(TarHeader header, ParallelFrameWriter w) {
      this.header = header;
      this.w = w;
    }

    @Override
    public void bytes(byte[] b, int off, int len) throws IOException {
      if (unit == null) {
        unit = w.beginUnit(0);
        chunkDigest = Digest.newSha256();
        chunkStart = written;
      }
      w.write(b, off, len);
      chunkDigest.update(b, off, len);
      fileDigest.update(b, off, len);
      written += len;
    }

    @Override
    public void endChunk(boolean zeros) {
      if (unit == null) {
        return;
      }
      chunks.add(new ChunkInfo(unit, chunkStart, written - chunkStart,
          Digest.fromBytes(chunkDigest.digest()), zeros));
      unit = null;
    }

    void addTo(List<TocEntry> toc) {
      TocEntry.Builder main = StorageTocEntries.fromHeader(header);
      if (chunks.isEmpty()) {
        toc.add(main.build());
        return;
      }
      main.digest(Digest.fromBytes(fileDigest.digest()).toString())
          .offset(chunks.get(0).unit().compressedOffset())
          .endOffset(end.compressedOffset());
      if (chunks.size() == 1) {
        toc.add(main.build());
        return;
      }
      for (int i = 0; i < chunks.size(); i++) {
        ChunkInfo c = chunks.get(i);
        TocEntry.Builder b = i == 0 ? main
            : TocEntry.builder().type(EntryType.CHUNK).name(header.name())
                .chunkOffset(c.fileOffset());
        b.chunkSize(c.size()).offset(c.unit().compressedOffset())
            .chunkDigest(c.digest().toString()).chunkType(c.zeros() ? "zeros" : "");
        toc.add(b.build());
      }
    }
  }

  private record ChunkInfo(ParallelFrameWriter.Unit unit, long fileOffset, long size,
      Digest digest, boolean zeros) {}

  /** Configures a {@link ContainersStorageWriter}. */
  public static final class Builder {
    private int level = ZstdFrameCodec.DEFAULT_LEVEL;
    private int maxChunk = DEFAULT_MAX_CHUNK;
    private Target target = Target.CURRENT;
    private WriterResources resources = WriterResources.defaults();

    private Builder() {}

    public Builder level(int level) {
      new ZstdFrameCodec(level);
      this.level = level;
      return this;
    }

    /** Upper bound of a data chunk; boundaries are content-defined below it. */
    public Builder maxChunkSize(int maxChunk) {
      if (maxChunk < 4096) {
        throw new IllegalArgumentException("chunk size must be at least 4096 bytes for"
            + " zstd:chunked (its content-defined chunks average 64 KiB), not " + maxChunk);
      }
      this.maxChunk = maxChunk;
      return this;
    }

    public Builder target(Target target) {
      this.target = Objects.requireNonNull(target);
      return this;
    }

    public Builder resources(WriterResources resources) {
      this.resources = Objects.requireNonNull(resources);
      return this;
    }

    public ContainersStorageWriter build() {
      return new ContainersStorageWriter(this);
    }
  }
}
