package org.stargzstore.zstdchunked.conformance;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.stargzstore.estargz.layer.FormatKind;
import org.stargzstore.estargz.layer.Landmark;
import org.stargzstore.testkit.Shared;
import org.stargzstore.types.LayerDescriptor;

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

  private static LayerDescriptor descriptor(String name) throws IOException {
    return Fixtures.descriptor(name);
  }
}
