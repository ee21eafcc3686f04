package org.stargzstore.fs.als;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.estargz.layer.LayerFormat;
import org.stargzstore.estargz.layer.TocLimits;
import org.stargzstore.estargz.writer.EstargzWriter;
import org.stargzstore.estargz.writer.LayerWriteResult;
import org.stargzstore.fs.fetch.FetchPolicy;
import org.stargzstore.fs.remote.RegistryImageSource;
import org.stargzstore.registry.BlobContent;
import org.stargzstore.registry.ImageReference;
import org.stargzstore.registry.PushOptions;
import org.stargzstore.registry.RegistryClient;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.LogRecords;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.types.LayerDescriptor;

/**
 * A layer whose TOC has more entries than {@code [fetch] max_toc_entries} is not indexed (its
 * index would not fit the heap budget): podman is told to pull it normally, with the reason
 * {@code toc-too-large} and a log line naming the layer, the limit and the knob, while the same
 * store keeps serving a layer under the limit. Real registry, real FUSE mount.
 */
@IntegrationTest
class TocEntryLimitTest {
  @RegisterExtension static final RegistryServer REGISTRY = RegistryServer.builder().build();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int LIMIT = 100;
  @TempDir Path tmp;

  @Test
  void aTocOverTheEntryLimitFallsBackAndOtherLayersAreServed() throws Exception {
    String big = push("limit/big:1", layer("big", 3 * LIMIT));
    String small = push("limit/small:1", layer("small", LIMIT / 4));
    LogRecords capture = new LogRecords();
    Logger alsLog = Logger.getLogger("org.stargzstore.fs.als");
    alsLog.addHandler(capture);
    try (StoreHarness h = new StoreHarness(tmp.resolve("root"),
        new RegistryImageSource(StoreHarness.registryClient(REGISTRY.hostPort()),
            Duration.ofSeconds(30)),
        LayerStoreConfig.defaults().withFetch(FetchPolicy.onDemandOnly()),
        new TocLimits(LayerFormat.DEFAULT_MAX_TOC_SIZE, LIMIT))) {
      Path mnt = h.mount(tmp.resolve("mnt"));

      Path bigImg = mnt.resolve(ImageDirectoryName.encode(big));
      String bigToc = tocDigest(bigImg);
      assertThrows(NoSuchFileException.class,
          () -> Files.readString(bigImg.resolve(bigToc).resolve("diff/dir/file-0")));
      assertTrue(h.store.counters().get(NotLazyException.Reason.TOC_TOO_LARGE) > 0);
      String why = capture.lines().stream().filter(l -> l.contains("too large to index"))
          .findFirst().orElseThrow(() -> new AssertionError("no log line: " + capture.lines()));
      assertTrue(why.contains("has more than " + LIMIT + " entries"), why);
      assertTrue(why.contains("[fetch] max_toc_entries"), why);
      assertTrue(why.contains(StoreHarness.firstLayer(bigImg).toString()), why);

      Path smallImg = mnt.resolve(ImageDirectoryName.encode(small));
      assertEquals("small 7\n", Files.readString(
          smallImg.resolve(tocDigest(smallImg)).resolve("diff/dir/file-7")));
      assertTrue(h.store.counters().get(NotLazyException.Reason.TOC_TOO_LARGE) > 0);
    } finally {
      alsLog.removeHandler(capture);
    }
  }

  /** An eStargz layer of {@code files} small files in one directory, by our writer. */
  private Path layer(String name, int files) throws IOException {
    Path tar = tmp.resolve(name + ".tar");
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(Files.newOutputStream(tar))) {
      TarArchiveEntry d = new TarArchiveEntry("dir/");
      d.setMode(040755);
      t.putArchiveEntry(d);
      t.closeArchiveEntry();
      for (int i = 0; i < files; i++) {
        byte[] data = (name + " " + i + "\n").getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry f = new TarArchiveEntry("dir/file-" + i);
        f.setMode(0100644);
        f.setSize(data.length);
        t.putArchiveEntry(f);
        t.write(data);
        t.closeArchiveEntry();
      }
    }
    Path blob = tmp.resolve(name + ".blob");
    LayerWriteResult r;
    try (OutputStream out = Files.newOutputStream(blob)) {
      r = EstargzWriter.builder().build().write(tar, out);
    }
    ObjectNode desc = JSON.createObjectNode();
    desc.put("mediaType", r.mediaType());
    desc.put("digest", r.digest().toString());
    desc.put("size", r.size());
    ObjectNode a = desc.putObject("annotations");
    for (Map.Entry<String, String> e : r.annotations().entrySet()) {
      a.put(e.getKey(), e.getValue());
    }
    desc.put("diffID", r.diffId().toString());
    JSON.writeValue(tmp.resolve(name + ".json").toFile(), desc);
    return blob;
  }

  /** Pushes a one-layer image of {@code blob} (descriptor JSON beside it); its reference. */
  private String push(String repoTag, Path blob) throws Exception {
    Path desc = blob.resolveSibling(blob.getFileName().toString().replace(".blob", ".json"));
    ResolvedImage img = new LocalBlobsImageSource()
        .add("fixture/image:1", List.of(blob), List.of(desc)).image("fixture/image:1");
    try (RegistryClient c = StoreHarness.registryClient(REGISTRY.hostPort())) {
      ImageReference target = ImageReference.parse(REGISTRY.hostPort() + "/" + repoTag);
      c.pushBlob(target, BlobContent.ofFile(blob), PushOptions.monolithic());
      c.pushBlob(target, BlobContent.ofBytes(img.config()), PushOptions.monolithic());
      c.pushManifest(target, img.manifest(), "application/vnd.oci.image.manifest.v1+json");
    }
    return REGISTRY.hostPort() + "/" + repoTag;
  }

  private static String tocDigest(Path img) throws IOException {
    JsonNode m = JSON.readTree(img.resolve("manifest").toFile());
    return m.path("layers").get(0).path("annotations").path(LayerDescriptor.STARGZ_TOC_DIGEST)
        .asText();
  }

}
