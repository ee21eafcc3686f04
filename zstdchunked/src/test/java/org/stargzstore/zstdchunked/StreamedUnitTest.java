package org.stargzstore.zstdchunked;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.stargzstore.estargz.ChunkDigestMismatchException;
import org.stargzstore.estargz.io.FileRangeSource;
import org.stargzstore.estargz.layer.Chunk;
import org.stargzstore.estargz.layer.LayerReader;
import org.stargzstore.estargz.layer.UnitStreamer;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.Shared;
import org.stargzstore.types.Digest;

/**
 * Every codec's streaming decoder (what units too large for memory go through) gives exactly
 * the chunks the in-memory decoder gives, on layers of the three formats written by other
 * producers; a chunk whose digest does not match is rejected and its file deleted.
 */
@IntegrationTest
class StreamedUnitTest {
  @TempDir Path tmp;

  @ParameterizedTest
  @ValueSource(strings = {"estargz", "zstd-stargz", "zstd-podman"})
  void everyUnitStreamedGivesTheChunksTheInMemoryDecoderGives(String fixture) throws Exception {
    Path blob = Shared.fixture("edge." + fixture + ".blob");
    try (LayerReader r = LayerReader.open(FileRangeSource.open(blob),
            LayerFormats.options().build());
        FileRangeSource src = FileRangeSource.open(blob)) {
      Map<Long, List<Chunk>> units = new LinkedHashMap<>();
      for (Chunk c : r.index().chunksInBlobOrder()) {
        if (!c.zeros() && c.size() > 0) {
          units.computeIfAbsent(c.compressedOffset(), k -> new ArrayList<>()).add(c);
        }
      }
      int verified = 0;
      for (List<Chunk> unit : units.values()) {
        Chunk first = unit.get(0);
        long end = unit.stream().mapToLong(Chunk::compressedEnd).max().orElseThrow();
        List<Chunk> got = new ArrayList<>();
        try (InputStream in = src.openStream(first.compressedOffset(),
            end - first.compressedOffset())) {
          UnitStreamer.stream(in, r.format().codec(), unit, r.blob(), files(got, null));
        }
        assertEquals(unit.size(), got.size(), fixture + ": unit of " + first.fileName());
        for (Chunk c : unit) {
          assertArrayEquals(r.readChunk(c), Files.readAllBytes(staged(c)), c.toString());
          Files.delete(staged(c));
        }
        verified += got.size();
      }
      assertTrue(verified > 20, fixture + ": " + verified + " chunks");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"estargz", "zstd-podman"})
  void aChunkThatDoesNotHashToItsDigestIsRejectedAndItsFileDeleted(String fixture)
      throws Exception {
    Path blob = Shared.fixture("edge." + fixture + ".blob");
    try (LayerReader r = LayerReader.open(FileRangeSource.open(blob),
            LayerFormats.options().build());
        FileRangeSource src = FileRangeSource.open(blob)) {
      Chunk c = r.index().chunksInBlobOrder().stream()
          .filter(x -> !x.zeros() && x.size() > 1000).findFirst().orElseThrow();
      Chunk liar = new Chunk(c.fileName(), c.fileOffset(), c.size(), c.compressedOffset(),
          c.compressedEnd(), c.innerOffset(), Digest.of(new byte[] {1}), false);
      List<IOException> rejected = new ArrayList<>();
      try (InputStream in = src.openStream(c.compressedOffset(), c.compressedLength())) {
        UnitStreamer.stream(in, r.format().codec(), List.of(liar), r.blob(),
            files(new ArrayList<>(), rejected));
      }
      assertEquals(1, rejected.size());
      assertInstanceOf(ChunkDigestMismatchException.class, rejected.get(0));
      assertFalse(Files.exists(staged(liar)), "nothing unverified is left");
    }
  }

  private Path staged(Chunk c) {
    return tmp.resolve(Integer.toHexString(c.hashCode()) + ".chunk");
  }

  private UnitStreamer.ChunkFiles files(List<Chunk> verified, List<IOException> rejected) {
    return new UnitStreamer.ChunkFiles() {
      @Override
      public Path create(Chunk c) {
        return staged(c);
      }

      @Override
      public void verified(Chunk c, Path file) {
        verified.add(c);
      }

      @Override
      public void rejected(Chunk c, IOException why) {
        if (rejected == null) {
          throw new AssertionError(c + " rejected", why);
        }
        rejected.add(why);
      }
    };
  }
}
