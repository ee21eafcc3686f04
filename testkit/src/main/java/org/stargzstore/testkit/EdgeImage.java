package org.stargzstore.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code edge} fixture (testdata's eStargz blob made by the reference writer from
 * {@code edge.tar}) as a one-layer image in a real registry, and the bytes its files must read
 * as: what tests of reads through a registry push first and compare against.
 */
public final class EdgeImage {
  private static final ObjectMapper JSON = new ObjectMapper();

  private EdgeImage() {}

  /**
   * Pushes {@code edge.estargz.blob} with its media type and TOC annotations (from
   * {@code edge.estargz.json}) as {@code repo:tag} to the registry at {@code registry}.
   *
   * @return the layer's digest ({@code sha256:...})
   */
  public static String push(URI registry, String repo, String tag)
      throws IOException, InterruptedException {
    JsonNode d = JSON.readTree(Files.readAllBytes(Shared.fixture("edge.estargz.json")));
    Map<String, String> annotations = new LinkedHashMap<>();
    d.path("annotations").fields().forEachRemaining(e -> annotations.put(e.getKey(),
        e.getValue().asText()));
    new ImagePush(registry).push(repo, tag, List.of(new ImagePush.Layer(
        Shared.fixture("edge.estargz.blob"), d.get("mediaType").asText(), annotations,
        d.get("diffID").asText())), List.of("/bin/sh"));
    return d.get("digest").asText();
  }

  /** The bytes of {@code member} in {@code edge.tar}, as GNU tar extracts them. */
  public static byte[] member(String member) throws IOException {
    Path out = Files.createTempFile("srs-expected-", "");
    try {
      ExternalTools.run(List.of("bash", "-c", "tar -xOf " + Shared.fixture("edge.tar") + " "
          + member + " > " + out), 60).requireSuccess();
      return Files.readAllBytes(out);
    } finally {
      Files.deleteIfExists(out);
    }
  }
}
