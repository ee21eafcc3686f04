package org.stargzstore.estargz.layer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.stargzstore.estargz.toc.EntryType;

/**
 * The validated, normalised contents of a layer as its TOC describes them: every entry by name,
 * the directory tree, the prefetch landmark, and every chunk in blob order. Built once per layer
 * by a {@link LayerFormat}; immutable and shared by all readers of the layer.
 */
public final class LayerIndex {
  private final FormatKind format;
  private final List<LayerEntry> entries;
  private final Map<String, LayerEntry> byName;
  private final Map<String, List<LayerEntry>> children;
  private final Landmark landmark;
  private final List<LayerEntry> prioritized;
  private final long tocOffset;
  private final List<Chunk> chunksInBlobOrder;

  /**
   * @param entries normalised entries in TOC order, root ("") included, parents before children
   * @param prioritizedNames names of the entries before a {@code .prefetch.landmark}
   * @param tocOffset where file data ends in the blob
   */
  public LayerIndex(FormatKind format, List<LayerEntry> entries, Landmark landmark,
      List<String> prioritizedNames, long tocOffset) {
    this.format = format;
    this.entries = List.copyOf(entries);
    Map<String, LayerEntry> names = new LinkedHashMap<>();
    Map<String, List<LayerEntry>> kids = new HashMap<>();
    for (LayerEntry e : this.entries) {
      if (names.put(e.name(), e) != null) {
        throw new IllegalArgumentException("duplicate entry " + e.name());
      }
      if (!e.name().isEmpty()) {
        kids.computeIfAbsent(parentOf(e.name()), k -> new ArrayList<>()).add(e);
      }
    }
    if (!names.containsKey("") || names.get("").type() != EntryType.DIR) {
      throw new IllegalArgumentException("layer index has no root directory");
    }
    this.byName = names;
    Map<String, List<LayerEntry>> frozen = new HashMap<>();
    kids.forEach((k, v) -> frozen.put(k, List.copyOf(v)));
    this.children = frozen;
    this.landmark = landmark;
    List<LayerEntry> prio = new ArrayList<>();
    for (String n : prioritizedNames) {
      LayerEntry e = names.get(n);
      if (e != null) {
        prio.add(e);
      }
    }
    this.prioritized = List.copyOf(prio);
    this.tocOffset = tocOffset;
    List<Chunk> all = new ArrayList<>();
    for (LayerEntry e : this.entries) {
      all.addAll(e.chunks());
    }
    all.sort(Comparator.comparingLong(Chunk::compressedOffset)
        .thenComparingLong(Chunk::innerOffset));
    this.chunksInBlobOrder = List.copyOf(all);
  }

  /** The parent of a normalised name ("" for top-level names). */
  public static String parentOf(String name) {
    int slash = name.lastIndexOf('/');
    return slash < 0 ? "" : name.substring(0, slash);
  }

  /** The last component of a normalised name. */
  public static String baseName(String name) {
    return name.substring(name.lastIndexOf('/') + 1);
  }

  public FormatKind format() {
    return format;
  }

  /**
   * Every entry in TOC order (root first): every entry of the layer's tar, the landmarks and
   * eStargz's {@code stargz.index.json} (last) included, as a full extraction would create them.
   */
  public List<LayerEntry> entries() {
    return entries;
  }

  public Optional<LayerEntry> entry(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  public LayerEntry root() {
    return byName.get("");
  }

  /** Direct children of a directory, in TOC order (empty if none or not a directory). */
  public List<LayerEntry> children(String dirName) {
    return children.getOrDefault(dirName, List.of());
  }

  public Landmark landmark() {
    return landmark;
  }

  /** Entries before the {@code .prefetch.landmark}, in order; empty without one. */
  public List<LayerEntry> prioritizedEntries() {
    return prioritized;
  }

  /**
   * Where file data ends and format metadata (TOC, footer) begins in the blob. Every chunk lies
   * before it, except eStargz's {@code stargz.index.json}, whose one chunk is the TOC member
   * that starts here.
   */
  public long tocOffset() {
    return tocOffset;
  }

  /** Every data chunk of every file, sorted by compressed offset (then inner offset). */
  public List<Chunk> chunksInBlobOrder() {
    return chunksInBlobOrder;
  }

  /**
   * The entry whose content a hardlink shares, following hardlinks to hardlinks; {@code e}
   * itself if it is not a hardlink. The index guarantees the chain ends at a non-directory.
   */
  public LayerEntry resolveHardlink(LayerEntry e) {
    LayerEntry cur = e;
    for (int hops = 0; cur.type() == EntryType.HARDLINK; hops++) {
      LayerEntry next = byName.get(cur.linkName());
      if (next == null || hops > byName.size()) {
        throw new IllegalStateException("unresolvable hardlink " + e.name());
      }
      cur = next;
    }
    return cur;
  }
}
