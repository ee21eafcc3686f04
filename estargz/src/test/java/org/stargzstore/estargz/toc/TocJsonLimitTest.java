package org.stargzstore.estargz.toc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.stargzstore.estargz.TocTooLargeException;

/** The parser stops at the entry limit, and keeps one copy of the strings every entry repeats. */
class TocJsonLimitTest {
  private static byte[] toc(int entries) {
    StringBuilder s = new StringBuilder("{\"version\":1,\"entries\":[");
    for (int i = 0; i < entries; i++) {
      s.append(i == 0 ? "" : ",").append("{\"name\":\"d").append(i)
          .append("/\",\"type\":\"dir\",\"userName\":\"root\",\"groupName\":\"root\"}");
    }
    return s.append("]}").toString().getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aTocOverTheEntryLimitIsRefusedWithTheLimit() {
    TocTooLargeException e = assertThrows(TocTooLargeException.class,
        () -> TocJson.parse(toc(4), "big.blob", 3));
    assertTrue(e.overEntries());
    assertEquals("big.blob: the TOC has more than 3 entries, over the limit of 3",
        e.getMessage());
  }

  @Test
  void aTocAtTheLimitIsRead() throws Exception {
    assertEquals(3, TocJson.parse(toc(3), "ok.blob", 3).entries().size());
    assertEquals(4, TocJson.parse(toc(4), "ok.blob").entries().size());
  }

  @Test
  void repeatedStringsAreShared() throws Exception {
    Toc t = TocJson.parse(toc(2), "ok.blob");
    assertSame(t.entries().get(0).type(), t.entries().get(1).type());
    assertSame(t.entries().get(0).userName(), t.entries().get(1).userName());
    assertSame(t.entries().get(0).groupName(), t.entries().get(1).groupName());
  }
}
