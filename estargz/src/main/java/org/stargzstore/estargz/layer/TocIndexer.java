package org.stargzstore.estargz.layer;

import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.stargzstore.estargz.InvalidTocException;
import org.stargzstore.estargz.toc.EntryType;
import org.stargzstore.estargz.toc.Toc;
import org.stargzstore.estargz.toc.TocEntry;
import org.stargzstore.types.Digest;

/**
 * Turns a raw {@link Toc} into a validated {@link LayerIndex}: the one place where TOC entries
 * are normalised and checked, for every format. Everything a malicious or broken TOC could do
 * wrong ends here as an {@link InvalidTocException} naming the blob and the entry.
 *
 * <p>Rules (see {@code docs/architecture.md}, "Contract of the format layer"):
 *
 * <ul>
 *   <li>Names are normalised by {@link EntryNames}; unsafe names are rejected. The root {@code ""}
 *       always exists; missing parent directories are made up (mode 0755, owner 0:0, mtime 0)
 *       right before their first child, as the reference reader does.
 *   <li>Duplicate names: the later entry wins, as when a tar is extracted, and takes the place of
 *       the earlier one in {@link LayerIndex#entries()}. Replacing a directory that has children
 *       with something else, or putting an entry inside a non-directory, is rejected.
 *   <li>A {@code reg} entry and the {@code chunk} entries right after it become one
 *       {@link LayerEntry} whose chunks cover {@code [0, size)} with no gap or overlap; a
 *       {@code chunkSize} of 0 means "to the end of the file" (eStargz). Each chunk's
 *       {@code compressedEnd} is the next distinct compressed offset of any data chunk in the
 *       TOC (the landmarks' included), bounded by the entry's
 *       {@code endOffset} (containers/storage) and by the TOC offset.
 *   <li>A chunk's digest is its {@code chunkDigest}; a one-chunk file may use the file
 *       {@code digest} instead; a containers/storage {@code chunkType: "zeros"} chunk without a
 *       digest gets the digest of its zeros (its content is stated by the verified TOC, no blob
 *       bytes are involved). Any other chunk without a digest is rejected: it could not be
 *       verified.
 *   <li>For the stargz-made formats, the root {@code .prefetch.landmark} and
 *       {@code .no.prefetch.landmark} set {@link LayerIndex#landmark()} and
 *       {@link LayerIndex#prioritizedEntries()} (the entries before a {@code .prefetch.landmark})
 *       and stay ordinary entries: they are tar entries of the layer, which a full pull
 *       extracts. A TOC entry named {@code stargz.index.json} is dropped: the TOC cannot list
 *       itself, and in eStargz the tar entry of that name is the TOC, given by the format as
 *       {@code tocFile} (built from its own tar header) and placed last, where it is in the tar.
 *       containers/storage writes no such entries, so in its flavour those names are ordinary
 *       files.
 *   <li>User and group names missing from an entry are taken from the last entry with the same
 *       uid / gid (the eStargz writer writes a name only when it changes), except for the
 *       landmarks, whose tar header the writers always leave bare (no names).
 *   <li>A hardlink's {@code linkName} is normalised like a name and must lead (possibly through
 *       other hardlinks) to an existing entry that is not a directory.
 * </ul>
 */
public final class TocIndexer {
  /** The eStargz TOC file's tar entry name. */
  public static final String TOC_TAR_NAME = "stargz.index.json";
  public static final String PREFETCH_LANDMARK = ".prefetch.landmark";
  public static final String NO_PREFETCH_LANDMARK = ".no.prefetch.landmark";
  /** containers/storage {@code chunkType} of a chunk that is all zeros. */
  public static final String CHUNK_TYPE_ZEROS = "zeros";
  /** Go's zero {@code time.Time}, which containers/storage writes for unset times. */
  private static final Instant GO_ZERO_TIME = Instant.parse("0001-01-01T00:00:00Z");
  /** The most bytes of zeros one TOC may make us hash to name its zero chunks: 64 MiB. */
  static final long MAX_ZERO_BYTES_HASHED = 64L << 20;

  private final FormatKind format;
  private final long tocOffset;
  private final String blob;
  private final boolean stargzMetadata;
  private final LayerEntry tocFile;

  private final List<Slot> slots = new ArrayList<>();
  private final Map<String, Slot> byName = new HashMap<>();
  private final Set<String> parentsWithChildren = new HashSet<>();
  private final LinkedHashSet<String> placedNames = new LinkedHashSet<>();
  private final Map<Integer, String> userNames = new HashMap<>();
  private final Map<Integer, String> groupNames = new HashMap<>();
  private final Map<Long, Digest> zeroDigests = new HashMap<>();
  private Landmark landmark = Landmark.NONE;
  private List<String> prioritizedNames = List.of();
  private long[] unitStarts = new long[0];
  private long zeroBytesHashed;

  private TocIndexer(FormatKind format, long tocOffset, String blob, LayerEntry tocFile) {
    this.format = format;
    this.tocOffset = tocOffset;
    this.blob = blob;
    this.stargzMetadata = format != FormatKind.ZSTD_CHUNKED_STORAGE;
    this.tocFile = tocFile;
  }

  /**
   * Validates and indexes {@code toc}.
   *
   * @param tocOffset where file data ends in the blob (no data chunk may start at or after it)
   * @param blob the blob's name for error messages
   */
  public static LayerIndex index(Toc toc, FormatKind format, long tocOffset, String blob)
      throws InvalidTocException {
    return index(toc, format, tocOffset, blob, null);
  }

  /**
   * Validates and indexes {@code toc}, adding {@code tocFile} as the layer's last entry: the tar
   * entry that holds the TOC itself (eStargz's {@code stargz.index.json}), which the TOC cannot
   * list. Its chunk is the TOC member, verified against the TOC digest.
   *
   * @param tocFile the TOC's own tar entry, or null if the TOC is not a tar entry of the layer
   */
  public static LayerIndex index(Toc toc, FormatKind format, long tocOffset, String blob,
      LayerEntry tocFile) throws InvalidTocException {
    return new TocIndexer(format, tocOffset, blob, tocFile).build(toc);
  }

  private LayerIndex build(Toc toc) throws InvalidTocException {
    Slot root = new Slot("", Pending.syntheticDir());
    slots.add(root);
    byName.put("", root);
    collectUnitStarts(toc.entries());
    readEntries(toc.entries());
    if (tocFile != null) {
      place(Pending.prebuilt(toc.entries().size(), tocFile));
    }
    List<LayerEntry> entries = new ArrayList<>(slots.size());
    for (Slot s : slots) {
      entries.add(toEntry(s));
    }
    checkHardlinks();
    try {
      return new LayerIndex(format, entries, landmark, prioritizedNames, tocOffset);
    } catch (IllegalArgumentException e) {
      throw new InvalidTocException(blob, "inconsistent TOC: " + e.getMessage(), e);
    }
  }

  /** Every distinct compressed offset where a data unit starts, sorted: the unit boundaries. */
  private void collectUnitStarts(List<TocEntry> raw) {
    long[] starts = new long[raw.size()];
    int n = 0;
    for (TocEntry e : raw) {
      boolean data = "reg".equals(e.type()) || "chunk".equals(e.type());
      if (data && e.offset() > 0 && e.offset() < tocOffset
          && !CHUNK_TYPE_ZEROS.equals(e.chunkType())) {
        starts[n++] = e.offset();
      }
    }
    long[] sorted = Arrays.copyOf(starts, n);
    Arrays.sort(sorted);
    int distinct = 0;
    for (int i = 0; i < sorted.length; i++) {
      if (i == 0 || sorted[i] != sorted[i - 1]) {
        sorted[distinct++] = sorted[i];
      }
    }
    unitStarts = Arrays.copyOf(sorted, distinct);
  }

  private void readEntries(List<TocEntry> raw) throws InvalidTocException {
    Pending currentFile = null;
    boolean skippingChunks = false;
    for (int i = 0; i < raw.size(); i++) {
      TocEntry e = raw.get(i);
      EntryType type = e.entryType().orElse(null);
      if (type == null) {
        throw new InvalidTocException(blob,
            where(i, e.name()) + " has an unknown type '" + e.type() + "'");
      }
      if (type == EntryType.CHUNK) {
        if (currentFile == null && !skippingChunks) {
          throw new InvalidTocException(blob,
              where(i, e.name()) + " is a chunk entry that does not follow a regular file");
        }
        if (skippingChunks) {
          continue;
        }
        if (!e.name().isEmpty()) {
          String n = normalise(e.name(), i);
          if (!n.equals(currentFile.name)) {
            throw new InvalidTocException(blob, where(i, e.name())
                + " is a chunk entry of '" + n + "' but follows regular file '"
                + currentFile.name + "'");
          }
        }
        currentFile.pieces.add(new RawPiece(i, e));
        continue;
      }
      currentFile = null;
      skippingChunks = false;
      String name = normalise(e.name(), i);
      if (stargzMetadata && name.equals(TOC_TAR_NAME)) {
        skippingChunks = true;
        continue;
      }
      boolean landmarkEntry = stargzMetadata && noteLandmark(name);
      if (!landmarkEntry) {
        fillOwnerNames(e);
      }
      Pending p = new Pending(i, name, type, e);
      p.fillOwnerNames = !landmarkEntry;
      if (type == EntryType.REG) {
        p.pieces.add(new RawPiece(i, e));
        currentFile = p;
      }
      place(p);
    }
  }

  /** Records the landmark {@code name} is, if it is one (before it is placed); is it one? */
  private boolean noteLandmark(String name) {
    switch (name) {
      case PREFETCH_LANDMARK -> {
        landmark = Landmark.PREFETCH;
        prioritizedNames = List.copyOf(placedNames);
        return true;
      }
      case NO_PREFETCH_LANDMARK -> {
        landmark = Landmark.NO_PREFETCH;
        prioritizedNames = List.of();
        return true;
      }
      default -> {
        return false;
      }
    }
  }

  private void fillOwnerNames(TocEntry e) {
    if (!e.userName().isEmpty()) {
      userNames.put(e.uid(), e.userName());
    }
    if (!e.groupName().isEmpty()) {
      groupNames.put(e.gid(), e.groupName());
    }
  }

  private void place(Pending p) throws InvalidTocException {
    if (p.name.isEmpty()) {
      if (p.type != EntryType.DIR) {
        throw new InvalidTocException(blob, whereOf(p)
            + " names the root but is a " + p.type.jsonName() + ", not a directory");
      }
      byName.get("").pending = p;
      return;
    }
    ensureParents(p);
    Slot existing = byName.get(p.name);
    if (existing != null) {
      if (existing.pending.type == EntryType.DIR && p.type != EntryType.DIR
          && parentsWithChildren.contains(p.name)) {
        throw new InvalidTocException(blob, whereOf(p)
            + " replaces directory '" + p.name + "', which has entries, with a "
            + p.type.jsonName());
      }
      existing.pending = p;
    } else {
      Slot s = new Slot(p.name, p);
      slots.add(s);
      byName.put(p.name, s);
    }
    placedNames.add(p.name);
  }

  /** Makes up missing ancestors of {@code p} (outermost first); checks existing ones are dirs. */
  private void ensureParents(Pending p) throws InvalidTocException {
    List<String> missing = new ArrayList<>();
    String child = p.name;
    while (!child.isEmpty()) {
      String parent = LayerIndex.parentOf(child);
      parentsWithChildren.add(parent);
      Slot s = byName.get(parent);
      if (s != null) {
        if (s.pending.type != EntryType.DIR) {
          throw new InvalidTocException(blob, whereOf(p) + " is inside '"
              + parent + "', which is a " + s.pending.type.jsonName() + ", not a directory");
        }
        break;
      }
      missing.add(parent);
      child = parent;
    }
    for (int i = missing.size() - 1; i >= 0; i--) {
      Slot s = new Slot(missing.get(i), Pending.syntheticDir());
      slots.add(s);
      byName.put(s.name, s);
    }
  }

  private LayerEntry toEntry(Slot s) throws InvalidTocException {
    Pending p = s.pending;
    if (p.built != null) {
      return p.built;
    }
    LayerEntry.Builder b = LayerEntry.builder(s.name, p.type);
    if (p.raw == null) {
      return b.mode(0755).modTime(Instant.EPOCH).build();
    }
    TocEntry e = p.raw;
    b.mode(e.mode() & 07777)
        .uid(e.uid())
        .gid(e.gid())
        .userName(e.userName().isEmpty() && p.fillOwnerNames
            ? userNames.getOrDefault(e.uid(), "") : e.userName())
        .groupName(e.groupName().isEmpty() && p.fillOwnerNames
            ? groupNames.getOrDefault(e.gid(), "") : e.groupName())
        .modTime(modTime(e.modTime()))
        .devMajor(e.devMajor())
        .devMinor(e.devMinor());
    for (String x : e.xattrNames()) {
      b.xattr(x, e.xattr(x));
    }
    switch (p.type) {
      case SYMLINK -> {
        if (e.linkName().indexOf('\0') >= 0) {
          throw new InvalidTocException(blob,
              where(p.index, e.name()) + " has a symlink target with a NUL byte");
        }
        b.linkName(e.linkName());
      }
      case HARDLINK -> {
        try {
          b.linkName(EntryNames.normalise(e.linkName()));
        } catch (EntryNames.UnsafeNameException ex) {
          throw new InvalidTocException(blob, where(p.index, e.name())
              + " is a hardlink whose target '" + e.linkName() + "' " + ex.getMessage());
        }
      }
      case REG -> {
        b.size(e.size());
        Digest fileDigest = digest(e.digest(), p.index, e.name(), "digest");
        b.digest(fileDigest);
        b.chunks(chunks(p, fileDigest));
      }
      default -> {
        // dir, char, block, fifo: metadata only
      }
    }
    return b.build();
  }

  private static Instant modTime(Instant t) {
    return t == null || t.equals(GO_ZERO_TIME) ? Instant.EPOCH : t;
  }

  private List<Chunk> chunks(Pending p, Digest fileDigest) throws InvalidTocException {
    long size = p.raw.size();
    if (size == 0) {
      if (p.pieces.size() > 1) {
        throw new InvalidTocException(blob,
            where(p.index, p.raw.name()) + " is an empty file but has chunk entries");
      }
      return List.of();
    }
    List<Chunk> out = new ArrayList<>(p.pieces.size());
    long expected = 0;
    for (RawPiece piece : p.pieces) {
      TocEntry c = piece.entry;
      long fileOffset = c.chunkOffset();
      if (fileOffset != expected) {
        throw new InvalidTocException(blob, where(piece.index, p.raw.name())
            + ": chunk at file offset " + fileOffset
            + (fileOffset > expected ? " leaves a gap" : " overlaps the previous chunk")
            + " (expected offset " + expected + "); chunks must cover [0, " + size
            + ") exactly");
      }
      long chunkSize = c.chunkSize() != 0 ? c.chunkSize() : size - fileOffset;
      if (chunkSize <= 0 || chunkSize > size - fileOffset) {
        throw new InvalidTocException(blob, where(piece.index, p.raw.name())
            + ": chunk at file offset " + fileOffset
            + " of " + (c.chunkSize() != 0 ? c.chunkSize() : "the rest,") + " bytes runs past"
            + " the file's size " + size);
      }
      boolean zeros = CHUNK_TYPE_ZEROS.equals(c.chunkType());
      if (!zeros && !c.chunkType().isEmpty()) {
        throw new InvalidTocException(blob, where(piece.index, p.raw.name())
            + " has an unknown chunkType '" + c.chunkType() + "'");
      }
      Digest d = digest(c.chunkDigest(), piece.index, p.raw.name(), "chunkDigest");
      if (d != null && d.equals(fileDigest)) {
        d = fileDigest; // a one-chunk file states its digest twice: keep one copy
      }
      if (d == null && p.pieces.size() == 1) {
        d = fileDigest;
      }
      if (d == null && zeros) {
        d = zeroDigest(chunkSize, piece.index, p.raw.name());
      }
      if (d == null) {
        throw new InvalidTocException(blob, where(piece.index, p.raw.name())
            + ": chunk at file offset " + fileOffset
            + " has no chunkDigest, so it cannot be verified");
      }
      out.add(zeros ? zeroChunk(p.name, c, fileOffset, chunkSize, d)
          : dataChunk(p, piece, fileOffset, chunkSize, d));
      expected = fileOffset + chunkSize;
    }
    if (expected != size) {
      throw new InvalidTocException(blob, where(p.index, p.raw.name()) + ": chunks cover [0, "
          + expected + ") of a file of " + size + " bytes");
    }
    return out;
  }

  private Chunk zeroChunk(String name, TocEntry c, long fileOffset, long size, Digest d) {
    return new Chunk(name, fileOffset, size, c.offset(), c.offset(), 0, d, true);
  }

  private Chunk dataChunk(Pending p, RawPiece piece, long fileOffset, long size, Digest d)
      throws InvalidTocException {
    TocEntry c = piece.entry;
    long offset = c.offset();
    if (offset <= 0) {
      throw new InvalidTocException(blob, where(piece.index, p.raw.name())
            + ": chunk at file offset " + fileOffset
          + " has no compressed offset");
    }
    if (offset >= tocOffset) {
      throw new InvalidTocException(blob, where(piece.index, p.raw.name())
            + ": chunk at file offset " + fileOffset
          + " starts at compressed offset " + offset + ", past the end of file data ("
          + tocOffset + ")");
    }
    int i = Arrays.binarySearch(unitStarts, offset);
    long end = i + 1 < unitStarts.length ? unitStarts[i + 1] : tocOffset;
    long endOffset = p.raw.endOffset();
    if (endOffset != 0) {
      if (endOffset <= offset || endOffset > tocOffset) {
        throw new InvalidTocException(blob, where(piece.index, p.raw.name())
            + ": endOffset " + endOffset
            + " is not after the chunk's offset " + offset + " within the file data (ends at "
            + tocOffset + ")");
      }
      end = Math.min(end, endOffset);
    }
    return new Chunk(p.name, fileOffset, size, offset, end, c.innerOffset(), d, false);
  }

  /**
   * The digest of {@code size} zeros, for a zero chunk without {@code chunkDigest}. Hashing costs
   * time in proportion to the size the TOC states, so a TOC may make us hash at most
   * {@value #MAX_ZERO_BYTES_HASHED} bytes in all: a few bytes of JSON must not buy hours of
   * work (the writers state {@code chunkDigest} on zero chunks, so this path is rare).
   */
  private Digest zeroDigest(long size, int index, String name) throws InvalidTocException {
    Digest known = zeroDigests.get(size);
    if (known != null) {
      return known;
    }
    if (size > MAX_ZERO_BYTES_HASHED - zeroBytesHashed) {
      throw new InvalidTocException(blob, where(index, name) + ": a zero chunk of " + size
          + " bytes has no chunkDigest, and naming it would mean hashing more than "
          + MAX_ZERO_BYTES_HASHED + " bytes of zeros for this TOC");
    }
    zeroBytesHashed += size;
    MessageDigest md = Digest.newSha256();
    byte[] zeros = new byte[(int) Math.min(size, 1 << 16)];
    for (long left = size; left > 0; left -= zeros.length) {
      md.update(zeros, 0, (int) Math.min(left, zeros.length));
    }
    Digest d = Digest.fromBytes(md.digest());
    zeroDigests.put(size, d);
    return d;
  }

  private void checkHardlinks() throws InvalidTocException {
    for (Slot s : slots) {
      Pending p = s.pending;
      if (p.type != EntryType.HARDLINK) {
        continue;
      }
      String target = EntryNames.tryNormalise(p.raw.linkName()).orElseThrow();
      Set<String> seen = new HashSet<>();
      seen.add(s.name);
      while (true) {
        Slot t = byName.get(target);
        if (t == null) {
          throw new InvalidTocException(blob, where(p.index, p.raw.name())
              + " is a hardlink to '" + target + "', which is not in the layer");
        }
        if (t.pending.type == EntryType.DIR) {
          throw new InvalidTocException(blob, where(p.index, p.raw.name())
              + " is a hardlink to directory '" + target + "'");
        }
        if (t.pending.type != EntryType.HARDLINK) {
          break;
        }
        if (!seen.add(target)) {
          throw new InvalidTocException(blob, where(p.index, p.raw.name())
              + " is part of a hardlink cycle through '" + target + "'");
        }
        target = EntryNames.tryNormalise(t.pending.raw.linkName()).orElseThrow();
      }
    }
  }

  private Digest digest(String s, int index, String name, String field)
      throws InvalidTocException {
    if (s.isEmpty()) {
      return null;
    }
    if (!Digest.isValid(s)) {
      throw new InvalidTocException(blob, where(index, name) + " has a malformed " + field + " '"
          + s + "' (want sha256:<64 lowercase hex>)");
    }
    return Digest.parse(s);
  }

  private String normalise(String raw, int index) throws InvalidTocException {
    try {
      return EntryNames.normalise(raw);
    } catch (EntryNames.UnsafeNameException e) {
      throw new InvalidTocException(blob, where(index, raw) + ": unsafe name, it "
          + e.getMessage());
    }
  }

  private static String whereOf(Pending p) {
    return p.built != null ? "the TOC's own tar entry '" + p.name + "'"
        : where(p.index, p.raw.name());
  }

  private static String where(int index, String rawName) {
    return "TOC entry #" + index + " '" + rawName.replace("\0", "\\0") + "'";
  }

  /** One name in the index, in its final place; its content may be replaced by later entries. */
  private static final class Slot {
    final String name;
    Pending pending;

    Slot(String name, Pending pending) {
      this.name = name;
      this.pending = pending;
    }
  }

  /**
   * A non-chunk TOC entry with its chunk entries, a made-up directory ({@code raw == null}), or
   * an entry the format built itself ({@code built}, the TOC's own tar entry).
   */
  private static final class Pending {
    final int index;
    final String name;
    final EntryType type;
    final TocEntry raw;
    final LayerEntry built;
    final List<RawPiece> pieces = new ArrayList<>(1);
    boolean fillOwnerNames = true;

    Pending(int index, String name, EntryType type, TocEntry raw) {
      this(index, name, type, raw, null);
    }

    private Pending(int index, String name, EntryType type, TocEntry raw, LayerEntry built) {
      this.index = index;
      this.name = name;
      this.type = type;
      this.raw = raw;
      this.built = built;
    }

    static Pending syntheticDir() {
      return new Pending(-1, null, EntryType.DIR, null);
    }

    static Pending prebuilt(int index, LayerEntry e) {
      return new Pending(index, e.name(), e.type(), null, e);
    }
  }

  /** A {@code reg} or {@code chunk} entry describing one piece of a file, with its TOC index. */
  private record RawPiece(int index, TocEntry entry) {}
}
