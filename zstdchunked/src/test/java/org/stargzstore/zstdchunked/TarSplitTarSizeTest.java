package org.stargzstore.zstdchunked;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.estargz.io.FileRangeSource;
import org.stargzstore.estargz.layer.LayerOpener;
import org.stargzstore.estargz.layer.OpenedLayer;
import org.stargzstore.estargz.writer.LayerWriteResult;
import org.stargzstore.testkit.Shared;
import org.stargzstore.types.Digest;
import org.stargzstore.types.LayerDescriptor;
import org.stargzstore.zstdchunked.writer.ContainersStorageWriter;

/**
 * The tar-split of a containers/storage zstd:chunked layer states the exact tar size (trailing
 * padding included), is found by annotation and by footer alike, and is named by the TOC's
 * {@code tarSplitDigest}.
 */
class TarSplitTarSizeTest {
  @TempDir Path dir;

  @Test
  void tarSplitSumsToThePaddedInputAndTheTocNamesIt() throws IOException {
    byte[] edge = Files.readAllBytes(Shared.fixture("edge.tar"));
    Path tar = dir.resolve("padded.tar");
    Files.write(tar, Arrays.copyOf(edge, edge.length + (1 << 20) + 4096 + 77));
    Path blob = dir.resolve("padded.zst");
    LayerWriteResult r;
    try (InputStream in = Files.newInputStream(tar); OutputStream out = Files.newOutputStream(blob)) {
      r = ContainersStorageWriter.builder().build().write(in, "padded.tar", out);
    }
    LayerDescriptor d = new LayerDescriptor(r.mediaType(), r.digest(), r.size(), r.annotations());
    byte[] b = Files.readAllBytes(blob);
    TarSplitLocation byAnnotation = TarSplitLocation.fromAnnotation(d).orElseThrow();
    byte[] tail = Arrays.copyOfRange(b, b.length - TarSplitLocation.FOOTER_BYTES, b.length);
    assertEquals(byAnnotation, TarSplitLocation.fromFooter(tail, b.length, "padded").orElseThrow());
    byte[] tarSplit = Arrays.copyOfRange(b, (int) byAnnotation.offset(),
        (int) (byAnnotation.offset() + byAnnotation.length()));
    assertEquals(Files.size(tar), TarSplitTarSize.of(new ByteArrayInputStream(tarSplit)));
    try (FileRangeSource src = FileRangeSource.open(blob)) {
      OpenedLayer opened = LayerOpener.open(src, LayerFormats.options().descriptor(d).build());
      assertEquals(Digest.of(tarSplit), opened.toc().tarSplitDigest().orElseThrow());
    }
  }

  @Test
  void podman43BlobHasNoTarSplit() throws IOException {
    byte[] b = Files.readAllBytes(Shared.fixture("edge.zstd-podman.blob"));
    byte[] tail = Arrays.copyOfRange(b, b.length - TarSplitLocation.FOOTER_BYTES, b.length);
    assertTrue(TarSplitLocation.fromFooter(tail, b.length, "podman").isEmpty());
  }

  @Test
  void notATarSplitIsAnError() {
    assertThrows(IOException.class, () -> TarSplitTarSize.of(new ByteArrayInputStream(
        new byte[] {1, 2, 3, 4})));
  }
}
