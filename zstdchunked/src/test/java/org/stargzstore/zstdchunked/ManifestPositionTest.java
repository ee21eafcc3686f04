package org.stargzstore.zstdchunked;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.stargzstore.estargz.layer.TocLocation;

/** The manifest-position annotation, including a bug-* seed of LayerFormatsFuzzTest. */
class ManifestPositionTest {

  @Test
  void parsesOffsetLengthAndUncompressedLength() {
    assertEquals(Optional.of(new TocLocation(690, 570, 1458)),
        ManifestPosition.parse("690:570:1458:1"));
  }

  @Test
  void aPositionThatWrapsPastTheLargestOffsetIsIgnored() {
    // its end overflowed to a negative number, passed the check against the blob size and
    // made the opener read 100 bytes at offset 2^63-8
    assertTrue(ManifestPosition.parse("9223372036854775800:100:0:1").isEmpty());
    assertTrue(ManifestPosition.parse("8:9223372036854775807:0:1").isEmpty());
    assertTrue(ManifestPosition.parse("8:1:0:2").isEmpty(), "only type 1 is known");
  }
}
