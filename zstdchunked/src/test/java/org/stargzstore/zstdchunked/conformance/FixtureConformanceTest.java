package org.stargzstore.zstdchunked.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.stargzstore.estargz.Digest;
import org.stargzstore.estargz.layer.FormatKind;
import org.stargzstore.estargz.layer.Landmark;
import org.stargzstore.estargz.layer.LayerDescriptor;
import org.stargzstore.testkit.Shared;

/**
 * The shared fixtures, made by producers this project did not write: the reference Go eStargz
 * and zstd:chunked writer (stargz-snapshotter v0.12) and podman 4.3.1's containers/storage.
 */
class FixtureConformanceTest extends LayerConformanceTest {
  private static final List<String> PRIO = List.of("etc/hostname", "bin/rand-4096");

  @Override
  List<Subject> subjects() throws IOException {
    Path tar = Shared.fixture("edge.tar");
    return List.of(
        new Subject("edge.estargz", Shared.fixture("edge.estargz.blob"), FormatKind.ESTARGZ,
            descriptor("edge.estargz.json"), null, tar, PRIO, Landmark.PREFETCH, true),
        new Subject("edge.zstd-stargz", Shared.fixture("edge.zstd-stargz.blob"),
            FormatKind.ZSTD_CHUNKED_STARGZ, descriptor("edge.zstd-stargz.json"), null, tar, PRIO,
            Landmark.PREFETCH, true),
        new Subject("edge.zstd-podman", Shared.fixture("edge.zstd-podman.blob"),
            FormatKind.ZSTD_CHUNKED_STORAGE, descriptor("edge.zstd-podman.json"), null, null,
            List.of(), Landmark.NONE, false));
  }

  /** Reads a fixture descriptor JSON (extra keys such as diffID are ignored). */
  static LayerDescriptor descriptor(String name) throws IOException {
    JsonNode n = new ObjectMapper().readTree(Shared.fixture(name).toFile());
    Map<String, String> ann = new HashMap<>();
    n.path("annotations").fields().forEachRemaining(e -> ann.put(e.getKey(), e.getValue().asText()));
    return new LayerDescriptor(n.get("mediaType").asText(), Digest.parse(n.get("digest").asText()),
        n.get("size").asLong(), ann);
  }
}
