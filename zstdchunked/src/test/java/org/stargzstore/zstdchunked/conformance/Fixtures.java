package org.stargzstore.zstdchunked.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.stargzstore.testkit.Shared;
import org.stargzstore.types.Digest;
import org.stargzstore.types.LayerDescriptor;

/** The shared fixtures' descriptor JSON files as {@link LayerDescriptor}s. */
public final class Fixtures {
  private Fixtures() {}

  /** Reads a fixture descriptor JSON (extra keys such as diffID are ignored). */
  public static LayerDescriptor descriptor(String name) throws IOException {
    JsonNode n = new ObjectMapper().readTree(Shared.fixture(name).toFile());
    Map<String, String> ann = new HashMap<>();
    n.path("annotations").properties()
        .forEach(e -> ann.put(e.getKey(), e.getValue().asText()));
    return new LayerDescriptor(n.get("mediaType").asText(),
        Digest.parse(n.get("digest").asText()), n.get("size").asLong(), ann);
  }
}
