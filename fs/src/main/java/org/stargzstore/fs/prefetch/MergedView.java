package org.stargzstore.fs.prefetch;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.stargzstore.estargz.layer.LayerEntry;
import org.stargzstore.estargz.layer.LayerIndex;
import org.stargzstore.estargz.toc.EntryType;

/**
 * Path lookup across an image's layers as the container will see them: the top-most layer that
 * has a name wins, a whiteout hides lower layers, symlinks (relative and absolute, also in
 * directory components) are followed inside the image.
 *
 * @param <L> what identifies a layer to the caller
 */
public final class MergedView<L> {
  private static final int MAX_SYMLINKS = 40;

  /** A file found in one layer. */
  public record Found<L>(L layer, LayerEntry entry, String path) {}

  private final List<L> layers;
  private final List<LayerIndex> indexes;

  /** @param bottomToTop layers with their indexes, bottom layer first */
  public MergedView(List<L> bottomToTop, List<LayerIndex> indexes) {
    this.layers = List.copyOf(bottomToTop);
    this.indexes = List.copyOf(indexes);
  }

  /** Resolves an absolute path, following symlinks; empty if it does not exist. */
  public Optional<Found<L>> resolve(String absolutePath) {
    return resolve(absolutePath, 0);
  }

  /**
   * The names in the directory at {@code absoluteDir} (symlinks followed) across all layers,
   * whiteout markers left out: candidates to {@link #resolve}, which decides what a container
   * sees (a name a whiteout hides resolves to nothing). Empty if there is no such directory.
   */
  public Set<String> names(String absoluteDir) {
    Optional<Found<L>> dir = resolve(absoluteDir);
    if (dir.isEmpty() || dir.get().entry().type() != EntryType.DIR) {
      return Set.of();
    }
    String name = dir.get().path().substring(1);
    Set<String> out = new TreeSet<>();
    for (LayerIndex idx : indexes) {
      for (LayerEntry e : idx.children(name)) {
        String base = LayerIndex.baseName(e.name());
        if (!base.startsWith(".wh.")) {
          out.add(base);
        }
      }
    }
    return out;
  }

  private Optional<Found<L>> resolve(String path, int hops) {
    if (hops > MAX_SYMLINKS) {
      return Optional.empty();
    }
    List<String> parts = normalize(path);
    StringBuilder cur = new StringBuilder();
    for (int i = 0; i < parts.size(); i++) {
      String candidate = cur.length() == 0 ? parts.get(i) : cur + "/" + parts.get(i);
      Optional<Found<L>> f = lookup(candidate);
      if (f.isEmpty()) {
        return Optional.empty();
      }
      LayerEntry e = f.get().entry();
      if (e.type() == EntryType.SYMLINK) {
        String target = e.linkName();
        String rest = String.join("/", parts.subList(i + 1, parts.size()));
        String base = target.startsWith("/") ? target : "/" + cur + "/" + target;
        return resolve(rest.isEmpty() ? base : base + "/" + rest, hops + 1);
      }
      if (i < parts.size() - 1 && e.type() != EntryType.DIR) {
        return Optional.empty();
      }
      if (i == parts.size() - 1) {
        return Optional.of(new Found<>(f.get().layer(), e, "/" + candidate));
      }
      cur.setLength(0);
      cur.append(candidate);
    }
    return Optional.empty();
  }

  /** The top-most entry named exactly {@code name}, hardlinks resolved; none under a whiteout. */
  private Optional<Found<L>> lookup(String name) {
    String parent = LayerIndex.parentOf(name);
    String whiteout = (parent.isEmpty() ? "" : parent + "/") + ".wh." + LayerIndex.baseName(name);
    for (int i = indexes.size() - 1; i >= 0; i--) {
      LayerIndex idx = indexes.get(i);
      Optional<LayerEntry> e = idx.entry(name);
      if (e.isPresent()) {
        LayerEntry entry = e.get();
        if (entry.type() == EntryType.HARDLINK) {
          Optional<LayerEntry> target = idx.entry(entry.linkName());
          if (target.isEmpty()) {
            return Optional.empty();
          }
          entry = target.get();
        }
        return Optional.of(new Found<>(layers.get(i), entry, name));
      }
      if (idx.entry(whiteout).isPresent()) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  static List<String> normalize(String path) {
    List<String> out = new ArrayList<>();
    for (String p : path.split("/")) {
      if (p.isEmpty() || p.equals(".")) {
        continue;
      }
      if (p.equals("..")) {
        if (!out.isEmpty()) {
          out.remove(out.size() - 1);
        }
        continue;
      }
      out.add(p);
    }
    return out;
  }
}
