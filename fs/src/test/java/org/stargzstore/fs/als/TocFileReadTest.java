package org.stargzstore.fs.als;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Logger;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.estargz.layer.UnitStreamer;
import org.stargzstore.estargz.writer.EstargzWriter;
import org.stargzstore.estargz.writer.LayerWriteResult;
import org.stargzstore.fs.fetch.FetchPolicy;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.LogRecords;
import org.stargzstore.testkit.Shared;
import org.stargzstore.testkit.TreeSnapshot;
import org.stargzstore.types.Digest;

/**
 * eStargz's {@code stargz.index.json} read through the mount: its content is the TOC JSON,
 * kept when the opener fetches a small TOC (no second request), verified against the TOC digest
 * when it is fetched, also when the TOC is too large to be held in memory, and never served when
 * the blob's TOC member is not the TOC that was verified.
 */
@IntegrationTest
class TocFileReadTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;

  @Test
  void aTocLargerThanTheInMemoryLimitIsStreamedAndVerified() throws Exception {
    Path tar = tmp.resolve("many.tar");
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(Files.newOutputStream(tar))) {
      for (int i = 0; i < 30_000; i++) {
        TarArchiveEntry e = new TarArchiveEntry(String.format("d%02d/%s%05d", i % 50,
            "f".repeat(85), i));
        t.putArchiveEntry(e);
        t.closeArchiveEntry();
      }
    }
    Path blob = tmp.resolve("many.blob");
    LayerWriteResult w;
    try (OutputStream out = Files.newOutputStream(blob)) {
      w = EstargzWriter.builder().build().write(tar, out);
    }
    Path desc = tmp.resolve("many.json");
    Files.writeString(desc, w.toJson());
    LocalBlobsImageSource src = new LocalBlobsImageSource().add("t.test/many:1", List.of(blob),
        List.of(desc));
    try (StoreHarness h = new StoreHarness(tmp.resolve("root"), src,
        LayerStoreConfig.defaults().withFetch(FetchPolicy.onDemandOnly()))) {
      Path toc = diff(h.mount(tmp.resolve("mnt")), "t.test/many:1", desc)
          .resolve("stargz.index.json");
      assertTrue(Files.exists(toc));
      awaitRecord(h, desc);
      assertFalse(h.content.contains(w.tocDigest()), "a large TOC file is not kept at open");
      long size = Files.size(toc);
      assertTrue(size > UnitStreamer.DEFAULT_STREAM_ABOVE, "the TOC is " + size + " bytes");
      long before = h.content.bytesWritten();
      assertEquals(w.tocDigest().toString(), "sha256:" + TreeSnapshot.sha256(toc));
      assertTrue(h.content.bytesWritten() - before >= size,
          "streamed into the store as one verified file, not held in memory");
    }
  }

  @Test
  void aTocMemberThatIsNotTheVerifiedTocIsNeverServed() throws Exception {
    Path blob = tmp.resolve("edge.blob");
    Files.copy(Shared.fixture("edge.estargz.blob"), blob);
    Path desc = Shared.fixture("edge.estargz.json");
    Path root = tmp.resolve("root");
    // 1. a first run opens the layer and keeps its (verified) TOC in the store
    try (StoreHarness h = new StoreHarness(root, new LocalBlobsImageSource()
        .add("t.test/edge:1", List.of(blob), List.of(desc)),
        LayerStoreConfig.defaults().withFetch(FetchPolicy.onDemandOnly()))) {
      assertTrue(Files.isDirectory(diff(h.mount(tmp.resolve("mnt1")), "t.test/edge:1", desc)));
      Digest layer = Digest.parse(JSON.readTree(desc.toFile()).get("digest").asText());
      for (int i = 0; i < 200 && h.records.get(layer).isEmpty(); i++) {
        Thread.sleep(50);
      }
      assertTrue(h.records.get(layer).isPresent(), "TOC kept in the store");
      // what the opener kept would serve the file: remove it, so that the blob is read
      Digest tocDigest = Digest.parse(JSON.readTree(desc.toFile()).get("tocDigest").asText());
      assertTrue(h.content.delete(tocDigest));
    }
    // 2. the registry now serves another TOC member in the TOC's place
    byte[] b = Files.readAllBytes(blob);
    int footer = 51;
    int tocOffset = Integer.parseInt(new String(b, b.length - footer + 16, 16,
        StandardCharsets.US_ASCII), 16);
    byte[] member;
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(b, tocOffset,
        b.length - footer - tocOffset))) {
      member = in.readAllBytes();
    }
    // as long as the TOC, but not it: part of the JSON blanked (which also compresses better)
    java.util.Arrays.fill(member, 512 + 100, 512 + 200_000, (byte) ' ');
    ByteArrayOutputStream gzipped = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(gzipped) {
      {
        def.setLevel(java.util.zip.Deflater.BEST_COMPRESSION);
      }
    }) {
      gz.write(member);
    }
    int oldLength = b.length - footer - tocOffset;
    assertTrue(gzipped.size() <= oldLength, "the altered member fits where the TOC was");
    // same place, same length (zero filler after the member), same footer: only the JSON differs
    System.arraycopy(gzipped.toByteArray(), 0, b, tocOffset, gzipped.size());
    java.util.Arrays.fill(b, tocOffset + gzipped.size(), b.length - footer, (byte) 0);
    Files.write(blob, b);

    LogRecords logs = new LogRecords();
    Logger.getLogger("org.stargzstore").addHandler(logs);
    try (StoreHarness h = new StoreHarness(root, new LocalBlobsImageSource()
        .add("t.test/edge:1", List.of(blob), List.of(desc)),
        LayerStoreConfig.defaults().withFetch(FetchPolicy.onDemandOnly()))) {
      Path diff = diff(h.mount(tmp.resolve("mnt2")), "t.test/edge:1", desc);
      assertEquals("layer-store\n", Files.readString(diff.resolve("etc/hostname")));
      Path toc = diff.resolve("stargz.index.json");
      IOException e = assertThrows(IOException.class, () -> {
        try (InputStream in = Files.newInputStream(toc)) {
          in.read(new byte[4096]);
        }
      });
      assertTrue(String.valueOf(e.getMessage()).contains("Input/output error"), e.toString());
      assertTrue(logs.records().stream().anyMatch(r -> String.valueOf(r.getMessage())
          .contains("NOT serving file 'stargz.index.json'") && String.valueOf(r.getMessage())
          .contains("but the TOC says")), "the log names the file and says why");
    } finally {
      Logger.getLogger("org.stargzstore").removeHandler(logs);
    }
  }

  @Test
  void aSmallTocFileIsKeptWhenTheTocIsFetchedAndReadWithoutARequest() throws Exception {
    Path desc = Shared.fixture("edge.estargz.json");
    LocalBlobsImageSource src = new LocalBlobsImageSource().add("t.test/edge:1",
        List.of(Shared.fixture("edge.estargz.blob")), List.of(desc));
    try (StoreHarness h = new StoreHarness(tmp.resolve("root"), src,
        LayerStoreConfig.defaults().withFetch(FetchPolicy.onDemandOnly()))) {
      Path toc = diff(h.mount(tmp.resolve("mnt")), "t.test/edge:1", desc)
          .resolve("stargz.index.json");
      assertTrue(Files.exists(toc));
      awaitRecord(h, desc);
      long before = src.bytesRead.get();
      String want = JSON.readTree(desc.toFile()).get("tocDigest").asText();
      assertEquals(want, "sha256:" + TreeSnapshot.sha256(toc));
      assertEquals(before, src.bytesRead.get(), "no byte of the blob read again for the TOC");
    }
  }

  /**
   * Waits until the opener has kept the layer's TOC (and a small TOC file) and then its record:
   * it does so off the lookup.
   */
  private static void awaitRecord(StoreHarness h, Path descriptor) throws Exception {
    Digest layer = Digest.parse(JSON.readTree(descriptor.toFile()).get("digest").asText());
    for (int i = 0; i < 200 && h.records.get(layer).isEmpty(); i++) {
      Thread.sleep(50);
    }
    assertTrue(h.records.get(layer).isPresent(), "TOC kept in the store");
  }

  private static Path diff(Path mnt, String ref, Path descriptor) throws IOException {
    String digest = JSON.readTree(descriptor.toFile()).get("digest").asText();
    return mnt.resolve(ImageDirectoryName.encode(ref)).resolve(digest).resolve("diff");
  }
}
