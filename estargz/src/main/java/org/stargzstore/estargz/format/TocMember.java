package org.stargzstore.estargz.format;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.stargzstore.estargz.InvalidTocException;
import org.stargzstore.estargz.TocTooLargeException;
import org.stargzstore.estargz.layer.Chunk;
import org.stargzstore.estargz.layer.LayerEntry;
import org.stargzstore.estargz.layer.LayerFormat;
import org.stargzstore.estargz.layer.TocIndexer;
import org.stargzstore.estargz.layer.TocLocation;
import org.stargzstore.estargz.toc.EntryType;
import org.stargzstore.types.Digest;

/**
 * eStargz's TOC gzip member: one tar entry, {@code stargz.index.json}, whose content is the TOC
 * JSON. That entry is part of the layer: a full pull extracts it like any file, so a lazily
 * served tree must show it too, with the attributes its own tar header gives it (the reference
 * writer leaves that header bare: mode 0, owner 0:0, mtime 0; other writers may not).
 *
 * @param json the TOC JSON
 * @param header the tar header that precedes the JSON
 * @param dataOffset where the JSON starts in the decompressed member (after the header and any
 *     PAX or GNU long-name records)
 */
record TocMember(byte[] json, TarArchiveEntry header, long dataOffset) {
  private static final String PAX_XATTR = "SCHILY.xattr.";

  /** Inflates the TOC member and reads its first (and only) tar entry. */
  static TocMember read(byte[] tocBytes, long maxTocSize, String blob)
      throws InvalidTocException {
    try (InputStream gz = new GzipCompressorInputStream(new ByteArrayInputStream(tocBytes));
        TarArchiveInputStream tar = new TarArchiveInputStream(gz)) {
      TarArchiveEntry e = tar.getNextEntry();
      if (e == null) {
        throw new InvalidTocException(blob, "the TOC gzip member holds no tar entry");
      }
      if (!TocIndexer.TOC_TAR_NAME.equals(e.getName())) {
        throw new InvalidTocException(blob, "the TOC tar entry is named '" + e.getName()
            + "', not '" + TocIndexer.TOC_TAR_NAME + "'");
      }
      if (!e.isFile()) {
        throw new InvalidTocException(blob, "the TOC tar entry " + TocIndexer.TOC_TAR_NAME
            + " has tar type '" + (char) e.getLinkFlag() + "', not a regular file");
      }
      if (e.getSize() > maxTocSize) {
        throw new TocTooLargeException(blob, LayerFormat.overCap(blob, e.getSize(),
            " uncompressed", maxTocSize));
      }
      long dataOffset = tar.getBytesRead();
      byte[] json = tar.readNBytes((int) e.getSize());
      if (json.length != e.getSize()) {
        throw new InvalidTocException(blob, "the TOC JSON is cut short: " + json.length + " of "
            + e.getSize() + " bytes");
      }
      return new TocMember(json, e, dataOffset);
    } catch (InvalidTocException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new InvalidTocException(blob, "the TOC is not a gzip-compressed tar holding "
          + TocIndexer.TOC_TAR_NAME + ": " + e.getMessage(), e);
    }
  }

  /**
   * The TOC's tar entry as a layer file: its header's attributes, and one chunk that is the
   * whole TOC member at {@code location}, verified against {@code tocDigest} (the sha256 of the
   * JSON, which the manifest annotation names) like any other chunk.
   */
  LayerEntry asLayerEntry(TocLocation location, Digest tocDigest, String blob)
      throws InvalidTocException {
    long uid = header.getLongUserId();
    long gid = header.getLongGroupId();
    if (uid < 0 || uid > Integer.MAX_VALUE || gid < 0 || gid > Integer.MAX_VALUE) {
      throw new InvalidTocException(blob, "the TOC tar entry has an out-of-range owner "
          + uid + ":" + gid);
    }
    String name = TocIndexer.TOC_TAR_NAME;
    LayerEntry.Builder b = LayerEntry.builder(name, EntryType.REG)
        .size(json.length)
        .mode(header.getMode() & 07777)
        .uid((int) uid)
        .gid((int) gid)
        .userName(header.getUserName())
        .groupName(header.getGroupName())
        .modTime(modTime(header))
        .digest(tocDigest);
    for (Map.Entry<String, String> x : header.getExtraPaxHeaders().entrySet()) {
      if (x.getKey().startsWith(PAX_XATTR)) {
        b.xattr(x.getKey().substring(PAX_XATTR.length()),
            x.getValue().getBytes(StandardCharsets.UTF_8));
      }
    }
    if (json.length > 0) {
      b.chunks(List.of(new Chunk(name, 0, json.length, location.offset(), location.end(),
          dataOffset, tocDigest, false)));
    }
    return b.build();
  }

  private static Instant modTime(TarArchiveEntry e) {
    return e.getLastModifiedTime() == null ? Instant.EPOCH : e.getLastModifiedTime().toInstant();
  }
}
