package org.stargzstore.zstdchunked;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.stargzstore.estargz.LayerFormatException;
import org.stargzstore.estargz.io.ByteArrayRangeSource;
import org.stargzstore.estargz.layer.Chunk;
import org.stargzstore.estargz.layer.LayerOpener;
import org.stargzstore.estargz.layer.OpenOptions;
import org.stargzstore.estargz.layer.OpenedLayer;
import org.stargzstore.estargz.layer.TocIndexer;
import org.stargzstore.types.Digest;
import org.stargzstore.types.LayerDescriptor;

/**
 * Fuzzes opening a blob as any of {@link LayerFormats#all()}: the eStargz footer, the three
 * zstd:chunked footer layouts of both flavours, the manifest's zstd frame and JSON, and (when
 * the input starts with one) a {@code manifest-position} annotation. Any input either opens
 * into an index whose chunks all lie in the blob's file data or fails with a
 * {@link LayerFormatException}. (The index rules themselves are fuzzed in estargz's
 * {@code TocJsonFuzzTest}.)
 *
 * <p>Input: one byte {@code n}, then {@code n} bytes of manifest-position annotation (none if
 * {@code n} is 0), then the blob. Seeds: small blobs of every format from the project's writers.
 */
class LayerFormatsFuzzTest {
  /** Any well-formed digest: with an annotated position the TOC is always checked. */
  private static final String SOME_DIGEST = "sha256:" + "0".repeat(64);

  @FuzzTest(maxDuration = "12s")
  void openAnyBlob(byte[] input) {
    if (input.length == 0) {
      return;
    }
    int n = Math.min(input[0] & 0xff, input.length - 1);
    byte[] blob = Arrays.copyOfRange(input, 1 + n, input.length);
    OpenOptions.Builder options = LayerFormats.options().maxTocSize(1 << 20);
    if (n > 0) {
      String position = new String(input, 1, n, StandardCharsets.ISO_8859_1);
      options.descriptor(new LayerDescriptor("application/vnd.oci.image.layer.v1.tar+zstd",
          Digest.of(blob), blob.length, Map.of(
              LayerDescriptor.ZSTD_CHUNKED_MANIFEST_POSITION, position,
              LayerDescriptor.ZSTD_CHUNKED_MANIFEST_CHECKSUM, SOME_DIGEST)));
    }
    try {
      OpenedLayer layer =
          LayerOpener.open(new ByteArrayRangeSource("fuzz.blob", blob), options.build());
      checkWithinBlob(layer, blob.length);
    } catch (LayerFormatException expected) {
      // the contract: a typed error naming the blob
    } catch (IOException e) {
      throw new AssertionError("untyped I/O error from an in-memory blob", e);
    }
  }

  private static void checkWithinBlob(OpenedLayer layer, long blobSize) {
    long dataEnd = layer.index().tocOffset();
    if (dataEnd > blobSize || layer.location().end() > blobSize) {
      throw new AssertionError("TOC past the blob's end: " + layer.location() + " of " + blobSize);
    }
    for (Chunk c : layer.index().chunksInBlobOrder()) {
      if (c.fileName().equals(TocIndexer.TOC_TAR_NAME) && c.compressedOffset() == dataEnd
          && c.compressedEnd() == layer.location().end()) {
        continue; // eStargz's stargz.index.json: the TOC member itself
      }
      if (!c.zeros() && (c.compressedOffset() <= 0 || c.compressedEnd() > dataEnd)) {
        throw new AssertionError("chunk outside the file data (ends at " + dataEnd + "): " + c);
      }
    }
  }
}
