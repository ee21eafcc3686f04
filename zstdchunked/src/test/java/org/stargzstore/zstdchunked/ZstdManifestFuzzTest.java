package org.stargzstore.zstdchunked;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.github.luben.zstd.Zstd;
import java.util.Optional;
import org.stargzstore.estargz.LayerFormatException;
import org.stargzstore.estargz.layer.LayerFormat;
import org.stargzstore.estargz.layer.OpenedToc;
import org.stargzstore.estargz.layer.TocLimits;
import org.stargzstore.estargz.layer.TocLocation;
import org.stargzstore.types.Digest;

/**
 * Fuzzes what both zstd:chunked flavours do with a manifest once its frame is found: the
 * fuzzer's bytes are the manifest JSON, compressed into a valid zstd frame (mutating a
 * compressed frame rarely gets past the decoder), then read by each flavour without a digest
 * and with either flavour's digest of it, which decides which flavour claims it. Contract: an
 * index, an empty answer ("the other flavour's"), or a {@link LayerFormatException}; and a
 * flavour never claims a manifest whose digest the caller gave as the other flavour's.
 * Seeds: manifests as the project's writers write them for both flavours.
 */
class ZstdManifestFuzzTest {
  private static final long DATA_END = 1 << 20;

  @FuzzTest(maxDuration = "10s")
  void readManifest(byte[] json) {
    byte[] frame = Zstd.compress(json, 1);
    TocLocation at = new TocLocation(DATA_END + ZstdChunkedFooter.SKIPPABLE_HEADER, frame.length,
        json.length);
    Digest ofJson = Digest.of(json);
    Digest ofFrame = Digest.of(frame);
    for (LayerFormat f : new LayerFormat[] {
        new ZstdChunkedStargzFormat(), new ZstdChunkedStorageFormat()}) {
      for (Digest expected : new Digest[] {null, ofJson, ofFrame}) {
        try {
          Optional<OpenedToc> toc = f.tryReadToc(frame, at, expected, TocLimits.ofBytes(1 << 20), "fuzz.blob");
          boolean mine = f instanceof ZstdChunkedStorageFormat ? ofFrame.equals(expected)
              : ofJson.equals(expected);
          if (toc.isPresent() && expected != null && !mine) {
            throw new AssertionError(f.name() + " claimed a TOC by the other flavour's digest");
          }
          if (toc.isPresent() && toc.get().index().tocOffset() != DATA_END) {
            throw new AssertionError("file data ends at " + toc.get().index().tocOffset());
          }
        } catch (LayerFormatException expectedFailure) {
          // the contract: a typed error naming the blob
        }
      }
    }
  }
}
