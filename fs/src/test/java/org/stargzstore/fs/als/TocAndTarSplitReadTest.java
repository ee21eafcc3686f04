package org.stargzstore.fs.als;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.Zstd;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.stargzstore.estargz.io.ByteArrayRangeSource;
import org.stargzstore.estargz.io.CountingRangeSource;
import org.stargzstore.estargz.layer.TocLocation;
import org.stargzstore.types.Digest;
import org.stargzstore.types.LayerDescriptor;

/**
 * The TOC's read widened to the tar-split that follows it: one read serves both, the size comes
 * from the tar-split only if it hashes to the digest that vouches for it, and a layout other
 * than "right after the TOC" (or a size already stated) leaves the TOC's read alone.
 */
class TocAndTarSplitReadTest {
  private static final int TOC_AT = 1000;
  private static final int TOC_LENGTH = 300;
  /** The skippable frame's header between the TOC and the tar-split. */
  private static final int GAP = 8;

  /** A tar-split of one 512-byte raw segment and one 1000-byte file: a 1512-byte tar. */
  private static final byte[] TAR_SPLIT = Zstd.compress(("{\"type\":2,\"payload\":\""
      + Base64.getEncoder().encodeToString(new byte[512]) + "\"}\n{\"type\":1,\"name\":\"f\","
      + "\"size\":1000}\n").getBytes(StandardCharsets.UTF_8));

  private static byte[] blob() {
    byte[] b = new byte[TOC_AT + TOC_LENGTH + GAP + TAR_SPLIT.length + 64];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) (i * 31);
    }
    System.arraycopy(TAR_SPLIT, 0, b, TOC_AT + TOC_LENGTH + GAP, TAR_SPLIT.length);
    return b;
  }

  private static LayerDescriptor descriptor(long tarSplitAt, Map<String, String> more) {
    java.util.HashMap<String, String> a = new java.util.HashMap<>(more);
    a.put(LayerDescriptor.ZSTD_CHUNKED_TARSPLIT_POSITION,
        tarSplitAt + ":" + TAR_SPLIT.length + ":1512");
    return new LayerDescriptor("application/vnd.oci.image.layer.v1.tar+zstd",
        Digest.of(new byte[] {1}), blob().length, a);
  }

  private static final Optional<TocLocation> TOC =
      Optional.of(new TocLocation(TOC_AT, TOC_LENGTH, 5000));

  @Test
  void theTocReadTakesTheTarSplitInOneReadAndGivesItsVerifiedSize() throws Exception {
    byte[] b = blob();
    CountingRangeSource blob = new CountingRangeSource(new ByteArrayRangeSource("b", b));
    TocAndTarSplitRead r = TocAndTarSplitRead.of(blob,
        descriptor(TOC_AT + TOC_LENGTH + GAP, Map.of()), TOC).orElseThrow();
    assertArrayEquals(Arrays.copyOfRange(b, TOC_AT, TOC_AT + TOC_LENGTH),
        r.read(TOC_AT, TOC_LENGTH));
    assertEquals(1, blob.reads());
    assertEquals(TOC_LENGTH + GAP + TAR_SPLIT.length, blob.bytesRead());
    assertEquals(OptionalLong.of(1512), r.tarSize(Optional.of(Digest.of(TAR_SPLIT))));
    assertEquals(1, blob.reads(), "the size cost no read of its own");
    // reads outside the span go to the blob
    assertArrayEquals(Arrays.copyOfRange(b, 0, 10), r.read(0, 10));
  }

  @Test
  void aTarSplitThatDoesNotHashToItsDigestGivesNoSize() throws Exception {
    TocAndTarSplitRead r = TocAndTarSplitRead.of(new ByteArrayRangeSource("b", blob()),
        descriptor(TOC_AT + TOC_LENGTH + GAP, Map.of()), TOC).orElseThrow();
    r.read(TOC_AT, TOC_LENGTH);
    assertEquals(OptionalLong.empty(), r.tarSize(Optional.of(Digest.of(new byte[] {2}))));
  }

  @Test
  void noVouchingDigestOrNoTocReadGivesNoSize() throws Exception {
    LayerDescriptor d = descriptor(TOC_AT + TOC_LENGTH + GAP, Map.of());
    TocAndTarSplitRead unread = TocAndTarSplitRead.of(new ByteArrayRangeSource("b", blob()), d,
        TOC).orElseThrow();
    assertEquals(OptionalLong.empty(), unread.tarSize(Optional.of(Digest.of(TAR_SPLIT))));
    TocAndTarSplitRead read = TocAndTarSplitRead.of(new ByteArrayRangeSource("b", blob()), d,
        TOC).orElseThrow();
    read.read(TOC_AT, TOC_LENGTH);
    assertEquals(OptionalLong.empty(), read.tarSize(Optional.empty()));
  }

  @Test
  void notWidenedUnlessTheTarSplitFollowsTheTocAndTheSizeIsUnstated() {
    ByteArrayRangeSource blob = new ByteArrayRangeSource("b", blob());
    long right = TOC_AT + TOC_LENGTH + GAP;
    assertTrue(TocAndTarSplitRead.of(blob, descriptor(right, Map.of()), TOC).isPresent());
    assertTrue(TocAndTarSplitRead.of(blob, descriptor(right, Map.of()), Optional.empty())
        .isEmpty(), "TOC not at an annotated place");
    assertTrue(TocAndTarSplitRead.of(blob, descriptor(TOC_AT + TOC_LENGTH
        + TocAndTarSplitRead.MAX_GAP + 1, Map.of()), TOC).isEmpty(), "not right after the TOC");
    assertTrue(TocAndTarSplitRead.of(blob, descriptor(TOC_AT - TAR_SPLIT.length, Map.of()), TOC)
        .isEmpty(), "before the TOC");
    assertTrue(TocAndTarSplitRead.of(blob, descriptor(right,
        Map.of(LayerDescriptor.ESTARGZ_UNCOMPRESSED_SIZE, "1512")), TOC).isEmpty(),
        "size stated by the annotation");
  }
}
