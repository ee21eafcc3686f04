package org.stargzstore.estargz.writer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.estargz.io.CountingRangeSource;
import org.stargzstore.estargz.io.FileRangeSource;
import org.stargzstore.estargz.layer.LayerOpener;
import org.stargzstore.estargz.layer.OpenOptions;
import org.stargzstore.estargz.layer.OpenedLayer;

/**
 * How many reads opening a layer costs: each one is a round trip to the registry before the
 * first file of a container can be served.
 */
class LayerOpenerReadsTest {
  @TempDir Path dir;

  @Test
  void aLargeLayersTocBeyondTheMinimumTailIsReadInOneRequest() throws Exception {
    // 1500 files of 10 KiB random bytes: a 15 MB blob whose TOC (about 80 KiB) is over 64 KiB
    Random r = new Random(3);
    List<TarTestFiles.Spec> files = new ArrayList<>();
    for (int i = 0; i < 1500; i++) {
      byte[] b = new byte[10 << 10];
      r.nextBytes(b);
      files.add(TarTestFiles.file("usr/lib/python3.11/pkg" + (i / 100) + "/module_" + i + ".py",
          b));
    }
    Path tar = dir.resolve("many.tar");
    TarTestFiles.write(tar, files);
    Path blob = dir.resolve("many.esgz");
    LayerWriteResult w = WriterTestSupport.convert(EstargzWriter.builder().build(), tar, blob);

    try (CountingRangeSource src = new CountingRangeSource(FileRangeSource.open(blob))) {
      OpenedLayer l = LayerOpener.open(src, OpenOptions.builder()
          .expectedTocDigest(w.tocDigest()).build());
      assertTrue(l.location().length() > LayerOpener.MIN_TAIL_SIZE,
          "the TOC (" + l.location().length() + " bytes) must exceed the minimum tail");
      assertEquals(1, src.reads(), "footer and TOC in one read (TOC " + l.location().length()
          + " bytes, blob " + src.size() + ")");
      assertTrue(src.bytesRead() <= Math.max(LayerOpener.MIN_TAIL_SIZE,
          src.size() / LayerOpener.TAIL_FRACTION), "read " + src.bytesRead() + " bytes");
    }
  }

  @Test
  void aSmallLayerIsReadWholeInOneRequest() throws Exception {
    Path tar = dir.resolve("small.tar");
    TarTestFiles.write(tar, List.of(TarTestFiles.file("etc/hostname", "box\n")));
    Path blob = dir.resolve("small.esgz");
    LayerWriteResult w = WriterTestSupport.convert(EstargzWriter.builder().build(), tar, blob);
    try (CountingRangeSource src = new CountingRangeSource(FileRangeSource.open(blob))) {
      LayerOpener.open(src, OpenOptions.builder().expectedTocDigest(w.tocDigest()).build());
      assertEquals(1, src.reads());
      assertEquals(src.size(), src.bytesRead());
    }
  }
}
