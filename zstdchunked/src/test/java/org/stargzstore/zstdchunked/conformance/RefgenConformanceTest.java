package org.stargzstore.zstdchunked.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.stargzstore.estargz.layer.FormatKind;
import org.stargzstore.estargz.layer.Landmark;
import org.stargzstore.testkit.EntryFacts;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.TarCorpus;
import org.stargzstore.testkit.TarListing;
import org.stargzstore.testkit.TempDirs;
import org.stargzstore.types.Digest;

/**
 * Blobs that the reference producer ({@code refgen build}, stargz-snapshotter v0.12) makes from
 * tars from producers this project did not write: the edge fixture tar at chunk sizes of 4 KiB,
 * 64 KiB and 1 MiB, and a tar of a real directory ({@link TarCorpus}), each as eStargz and as
 * zstd:chunked, some with prioritized files.
 */
@IntegrationTest
class RefgenConformanceTest extends LayerConformanceTest {
  private static final Path TREE_SOURCE = Path.of("/usr/share/perl5");
  private Path dir;
  private List<Subject> subjects;

  @Override
  synchronized List<Subject> subjects() throws Exception {
    if (subjects != null) {
      return subjects;
    }
    dir = Files.createTempDirectory("srs-refgen-");
    Path edge = TarCorpus.edge(dir.resolve("edge.tar"));
    Path tree = TarCorpus.tree(dir.resolve("tree.tar"), TREE_SOURCE);
    List<String> edgePrio = List.of("etc/hostname", "bin/rand-65537");
    List<String> treePrio = firstRegularFiles(tree, 2);
    List<Subject> out = new ArrayList<>();
    for (String kind : List.of("gzip", "zstd")) {
      out.add(build(kind, edge, 4096, List.of()));
      out.add(build(kind, edge, 65536, edgePrio));
      out.add(build(kind, edge, 1 << 20, List.of()));
      out.add(build(kind, tree, kind.equals("gzip") ? 65536 : 4096, treePrio));
    }
    subjects = out;
    return out;
  }

  @AfterAll
  void deleteBlobs() {
    TempDirs.deleteRecursively(dir);
  }

  private Subject build(String kind, Path tar, int chunk, List<String> prio) throws IOException {
    String base = tar.getFileName().toString().replace(".tar", "");
    String label = base + "." + kind + "-chunk" + chunk + (prio.isEmpty() ? "" : "-prio");
    Path blob = dir.resolve(label + ".blob");
    List<String> cmd = new ArrayList<>(List.of(ExternalTools.refgen().toString(), "build", kind,
        tar.toString(), blob.toString(), "-chunk", Integer.toString(chunk)));
    if (!prio.isEmpty()) {
      cmd.addAll(List.of("-prio", String.join(",", prio)));
    }
    ExternalTools.Result r = ExternalTools.run(cmd, 300).requireSuccess();
    JsonNode out = new ObjectMapper().readTree(r.output());
    Digest toc = Digest.parse(out.get("tocDigest").asText());
    FormatKind format = kind.equals("gzip") ? FormatKind.ESTARGZ : FormatKind.ZSTD_CHUNKED_STARGZ;
    return new Subject(label, blob, format, null, toc, tar, prio,
        prio.isEmpty() ? Landmark.NO_PREFETCH : Landmark.PREFETCH, true);
  }

  private static List<String> firstRegularFiles(Path tar, int n) throws IOException {
    try (InputStream in = Files.newInputStream(tar)) {
      Map<String, EntryFacts> all = TarListing.list(in, Set.of());
      return all.values().stream().filter(f -> f.type().equals("reg") && f.size() > 0)
          .map(EntryFacts::name).limit(n).toList();
    }
  }
}
