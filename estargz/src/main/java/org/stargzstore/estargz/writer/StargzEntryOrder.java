package org.stargzstore.estargz.writer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.stargzstore.estargz.toc.EntryType;

/**
 * Decides the order of entries in an eStargz (or stargz-flavoured zstd:chunked) layer, as the
 * reference builder (stargz-snapshotter {@code estargz.Build}) does:
 *
 * <ul>
 *   <li>entries of the input named {@code stargz.index.json}, {@code .prefetch.landmark} or
 *       {@code .no.prefetch.landmark} are dropped (a layer converted twice gets fresh ones);</li>
 *   <li>when a name occurs twice, only the last entry is kept (where it was), as extraction
 *       would leave it;</li>
 *   <li>prioritized files move to the front in the order given, each preceded by its parent
 *       directories and, for a hardlink, by its target; then comes {@code .prefetch.landmark};
 *       with no prioritized files the layer starts with {@code .no.prefetch.landmark}.</li>
 * </ul>
 *
 * <p>One deliberate difference: the reference cannot prioritize a file whose parent directory
 * has no entry of its own in the tar (it reports the file as not found); here missing parents
 * are simply skipped.
 */
public final class StargzEntryOrder {
  public static final String TOC_NAME = "stargz.index.json";
  public static final String PREFETCH_LANDMARK = ".prefetch.landmark";
  public static final String NO_PREFETCH_LANDMARK = ".no.prefetch.landmark";

  /** One entry of the output: copied from the input, or a landmark made by the writer. */
  public sealed interface Planned permits FromInput, Landmark {}

  /** An input entry, copied with its original header bytes. */
  public record FromInput(TarEntry entry) implements Planned {}

  /** A landmark file ({@code .prefetch.landmark} or {@code .no.prefetch.landmark}). */
  public record Landmark(String name) implements Planned {}

  /** The planned order and the prioritized names that matched no entry. */
  public record Plan(List<Planned> entries, List<String> missingPrioritized) {
    public Plan {
      entries = List.copyOf(entries);
      missingPrioritized = List.copyOf(missingPrioritized);
    }
  }

  private StargzEntryOrder() {}

  public static Plan plan(List<TarEntry> input, List<String> prioritized) {
    LinkedHashMap<String, TarEntry> remaining = new LinkedHashMap<>();
    for (TarEntry e : input) {
      String name = cleanName(e.header().name());
      if (name.equals(TOC_NAME) || name.equals(PREFETCH_LANDMARK)
          || name.equals(NO_PREFETCH_LANDMARK)) {
        continue;
      }
      remaining.remove(name);
      remaining.put(name, e);
    }
    LinkedHashMap<String, TarEntry> moved = new LinkedHashMap<>();
    List<String> missing = new ArrayList<>();
    for (String p : prioritized) {
      String name = cleanName(p);
      if (!remaining.containsKey(name) && !moved.containsKey(name)) {
        missing.add(p);
        continue;
      }
      moveWithParents(name, remaining, moved, 0);
    }
    List<Planned> out = new ArrayList<>(input.size() + 1);
    moved.values().forEach(e -> out.add(new FromInput(e)));
    out.add(new Landmark(prioritized.isEmpty() ? NO_PREFETCH_LANDMARK : PREFETCH_LANDMARK));
    remaining.values().forEach(e -> out.add(new FromInput(e)));
    return new Plan(out, missing);
  }

  private static void moveWithParents(String name, Map<String, TarEntry> from,
      Map<String, TarEntry> to, int depth) {
    if (depth > 4096) {
      return; // a hardlink cycle; the entries stay where they are
    }
    if (!name.isEmpty()) {
      int slash = name.lastIndexOf('/');
      moveWithParents(slash < 0 ? "" : name.substring(0, slash), from, to, depth + 1);
    }
    TarEntry e = from.get(name);
    if (e == null) {
      return;
    }
    if (e.header().type() == EntryType.HARDLINK) {
      String target = cleanName(e.header().linkName());
      if (!target.equals(name)) {
        moveWithParents(target, from, to, depth + 1);
      }
    }
    from.remove(name);
    to.put(name, e);
  }

  /**
   * Go's {@code strings.TrimPrefix(path.Clean("/"+name), "/")}: the name relative to the root,
   * with {@code .}, {@code ..} and repeated slashes resolved ({@code ""} is the root).
   */
  public static String cleanName(String name) {
    List<String> parts = new ArrayList<>();
    for (String p : name.split("/", -1)) {
      if (p.isEmpty() || p.equals(".")) {
        continue;
      }
      if (p.equals("..")) {
        if (!parts.isEmpty()) {
          parts.remove(parts.size() - 1);
        }
        continue;
      }
      parts.add(p);
    }
    return String.join("/", parts);
  }
}
