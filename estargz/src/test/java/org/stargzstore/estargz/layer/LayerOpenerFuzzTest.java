package org.stargzstore.estargz.layer;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.stargzstore.estargz.LayerFormatException;
import org.stargzstore.estargz.io.ByteArrayRangeSource;

/**
 * Fuzzes opening an eStargz blob from its footer: footer (current and legacy), TOC gzip member,
 * TOC tar entry, TOC JSON and index. Any blob either opens into an index that keeps the
 * {@link IndexInvariants} or fails with a {@link LayerFormatException}; nothing else (no
 * RuntimeException, no OOM, no hang). Seeds: small eStargz blobs from the project's writer.
 */
class LayerOpenerFuzzTest {

  @FuzzTest(maxDuration = "12s")
  void openAnyBlob(byte[] blob) {
    OpenOptions options = OpenOptions.builder().maxTocSize(1 << 20).build();
    try {
      OpenedLayer layer = LayerOpener.open(new ByteArrayRangeSource("fuzz.blob", blob), options);
      IndexInvariants.check(layer.index());
    } catch (LayerFormatException expected) {
      // the contract: a typed error naming the blob
    } catch (java.io.IOException e) {
      throw new AssertionError("untyped I/O error from an in-memory blob", e);
    }
  }
}
