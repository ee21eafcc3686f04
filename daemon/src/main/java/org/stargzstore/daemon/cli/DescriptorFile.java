package org.stargzstore.daemon.cli;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.stargzstore.types.Digest;
import org.stargzstore.types.LayerDescriptor;

/**
 * Reads a layer descriptor JSON file, as an OCI manifest lists a layer: {@code mediaType},
 * {@code digest}, {@code size}, {@code annotations}; other keys (such as the fixtures'
 * {@code diffID}) are ignored.
 */
final class DescriptorFile {
  private static final ObjectMapper JSON = new ObjectMapper();

  private DescriptorFile() {}

  static LayerDescriptor read(Path file) throws IOException {
    JsonNode n;
    try {
      n = JSON.readTree(Files.readAllBytes(file));
    } catch (JacksonException e) {
      throw bad(file, "not valid JSON (" + e.getOriginalMessage() + ")");
    }
    if (n == null || !n.isObject()) {
      throw bad(file, "not a JSON object");
    }
    String mediaType = text(n, "mediaType", file);
    String digest = text(n, "digest", file);
    if (!Digest.isValid(digest)) {
      throw bad(file, "\"digest\" is not sha256:<64 hex>: " + digest);
    }
    JsonNode size = n.get("size");
    if (size == null || !size.canConvertToLong() || size.asLong() < 0) {
      throw bad(file, "missing or bad \"size\"");
    }
    Map<String, String> annotations = new HashMap<>();
    JsonNode a = n.get("annotations");
    if (a != null && !a.isNull()) {
      if (!a.isObject()) {
        throw bad(file, "\"annotations\" is not an object");
      }
      for (Map.Entry<String, JsonNode> e : a.properties()) {
        if (!e.getValue().isTextual()) {
          throw bad(file, "annotation \"" + e.getKey() + "\" is not a string");
        }
        annotations.put(e.getKey(), e.getValue().asText());
      }
    }
    return new LayerDescriptor(mediaType, Digest.parse(digest), size.asLong(), annotations);
  }

  private static String text(JsonNode n, String key, Path file) {
    JsonNode v = n.get(key);
    if (v == null || !v.isTextual()) {
      throw bad(file, "missing \"" + key + "\"");
    }
    return v.asText();
  }

  private static UserException bad(Path file, String why) {
    return new UserException(file + ": not a layer descriptor: " + why);
  }
}
