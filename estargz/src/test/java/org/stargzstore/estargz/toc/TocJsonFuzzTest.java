package org.stargzstore.estargz.toc;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.stargzstore.estargz.InvalidTocException;
import org.stargzstore.estargz.layer.FormatKind;
import org.stargzstore.estargz.layer.IndexInvariants;
import org.stargzstore.estargz.layer.TocIndexer;

/**
 * Fuzzes the TOC JSON parser and the indexer behind every format: any bytes either parse and
 * index into a {@link org.stargzstore.estargz.layer.LayerIndex} that keeps the
 * {@link IndexInvariants}, or fail with an {@link InvalidTocException}. Both TOC flavours (eStargz
 * metadata entries, containers/storage zero chunks) are indexed, with data ending far away and
 * close by. Seeds: TOCs as the writers write them.
 */
class TocJsonFuzzTest {

  @FuzzTest(maxDuration = "15s")
  void parseAndIndex(byte[] json) {
    Toc toc;
    try {
      toc = TocJson.parse(json, "fuzz.toc");
    } catch (InvalidTocException expected) {
      return;
    }
    for (FormatKind kind : FormatKind.values()) {
      for (long tocOffset : new long[] {1L << 40, 4096}) {
        try {
          IndexInvariants.check(TocIndexer.index(toc, kind, tocOffset, "fuzz.toc"));
        } catch (InvalidTocException expected) {
          // the contract: a typed error naming the entry
        }
      }
    }
  }
}
