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
    new ImagePush(registry).push(repo, tag, List.of(layer("estargz")), List.of("/bin/sh"));
    return facts("estargz").get("digest").asText();
  }

  /**
   * Pushes a two-platform image {@code repo:tag} (an OCI index): linux/amd64 has podman
   * 4.3.1's zstd:chunked layer of {@code edge.tar}, linux/arm64 the eStargz and the stargz-made
   * zstd:chunked layers (no layer in common). The per-platform manifests are tagged
   * {@code tag-amd64} and {@code tag-arm64}.
   *
   * @return the index digest
   */
  public static String pushTwoPlatforms(URI registry, String repo, String tag)
      throws IOException, InterruptedException {
    ImagePush push = new ImagePush(registry);
    ImagePush.Pushed amd64 = push.push(repo, tag + "-amd64", List.of(layer("zstd-podman")),
        List.of("/bin/sh"), "linux", "amd64");
    ImagePush.Pushed arm64 = push.push(repo, tag + "-arm64",
        List.of(layer("estargz"), layer("zstd-stargz")), List.of("/bin/sh"), "linux", "arm64");
    return push.pushIndex(repo, tag, List.of(amd64, arm64));
  }

  /**
   * What {@code edge.FLAVOUR.json} says of the fixture layer {@code edge.FLAVOUR.blob}
   * (FLAVOUR: estargz, zstd-stargz, zstd-podman): mediaType, digest, size, annotations, diffID,
   * tocDigest.
   */
  public static JsonNode facts(String flavour) throws IOException {
    return JSON.readTree(Files.readAllBytes(Shared.fixture("edge." + flavour + ".json")));
  }

  /** The fixture layer {@code edge.FLAVOUR.blob}, ready for {@link ImagePush}. */
  public static ImagePush.Layer layer(String flavour) throws IOException {
    JsonNode d = facts(flavour);
    Map<String, String> annotations = new LinkedHashMap<>();
    d.path("annotations").fields().forEachRemaining(e -> annotations.put(e.getKey(),
        e.getValue().asText()));
    return new ImagePush.Layer(Shared.fixture("edge." + flavour + ".blob"),
        d.get("mediaType").asText(), annotations, d.get("diffID").asText());
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
