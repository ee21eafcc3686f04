package org.stargzstore.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compares a TOC our writer made with the one the reference builder (refgen) made for the same
 * input: the eStargz and the zstd:chunked (stargz flavour) writers must produce the same
 * entries, whatever their layout.
 */
public final class ReferenceToc {
  private ReferenceToc() {}

  /**
   * Our TOC (parsed JSON) equals the reference's entry by entry, except offsets (layouts
   * differ) and the mode of the landmark files.
   */
  public static void assertSame(Map<String, Object> reference, Map<String, Object> ours) {
    List<Map<String, Object>> want = comparableEntries(reference);
    List<Map<String, Object>> got = comparableEntries(ours);
    assertEquals(want.size(), got.size(), "number of TOC entries");
    for (int i = 0; i < want.size(); i++) {
      Map<String, Object> g = got.get(i);
      if (String.valueOf(g.get("name")).endsWith("landmark")) {
        assertEquals(0644, g.remove("mode"), "landmark mode");
      }
      assertEquals(want.get(i), g, "TOC entry #" + i);
    }
  }

  /**
   * TOC entries prepared for comparing two producers: without offsets, with user and group
   * names filled in from earlier entries of the same id (the reference writes a name only when
   * it changes for an id; readers fill it in).
   */
  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> comparableEntries(Map<String, Object> toc) {
    List<Map<String, Object>> out = new ArrayList<>();
    Map<Object, Object> users = new HashMap<>();
    Map<Object, Object> groups = new HashMap<>();
    for (Object o : (List<Object>) toc.get("entries")) {
      Map<String, Object> e = new LinkedHashMap<>((Map<String, Object>) o);
      e.remove("offset");
      if (!"chunk".equals(e.get("type"))) {
        fill(e, "userName", e.getOrDefault("uid", 0), users);
        fill(e, "groupName", e.getOrDefault("gid", 0), groups);
      }
      out.add(e);
    }
    return out;
  }

  private static void fill(Map<String, Object> e, String field, Object id,
      Map<Object, Object> seen) {
    Object v = e.get(field);
    if (v != null && !"".equals(v)) {
      seen.put(id, v);
    } else if (seen.containsKey(id)) {
      e.put(field, seen.get(id));
    }
  }
}
