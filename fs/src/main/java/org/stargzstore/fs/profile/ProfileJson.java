package org.stargzstore.fs.profile;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.stargzstore.types.Digest;

/**
 * The one file format of access profiles, in the store ({@code meta/profiles/}) and in a
 * registry (the blob of a profile artifact): {@code {"mediaType": MEDIA_TYPE, "layers":
 * {"sha256:...": ["usr/bin/python3", ...]}}}. A profile comes from other nodes, so reading is
 * strict: bounded in size, every digest and name checked, anything else refused with the
 * reason.
 */
public final class ProfileJson {
  /** Media type of the profile blob; also the {@code artifactType} of its artifact. */
  public static final String MEDIA_TYPE =
      "application/vnd.stargz-registry-storage.access-profile.v1+json";
  /** A profile larger than this is refused unread (a start-up's files are kilobytes). */
  public static final int MAX_BYTES = 4 << 20;

  private static final ObjectMapper JSON = new ObjectMapper();

  private ProfileJson() {}

  /** The profiles as JSON bytes (layers in the given order). */
  public static byte[] write(List<LayerProfile> profiles) {
    ObjectNode root = JSON.createObjectNode();
    root.put("mediaType", MEDIA_TYPE);
    ObjectNode layers = root.putObject("layers");
    for (LayerProfile p : profiles) {
      ArrayNode files = layers.putArray(p.layer().toString());
      p.files().forEach(files::add);
    }
    try {
      return JSON.writeValueAsBytes(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The layer profiles in {@code json}.
   *
   * @param from what the bytes are (file, blob), for the error message
   * @throws IOException saying why if the bytes are not a valid profile
   */
  public static List<LayerProfile> read(byte[] json, String from) throws IOException {
    if (json.length > MAX_BYTES) {
      throw new IOException(from + ": access profile of " + json.length
          + " bytes refused (at most " + MAX_BYTES + ")");
    }
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (IOException e) {
      throw new IOException(from + ": access profile is not JSON: " + e.getMessage(), e);
    }
    if (root == null || !MEDIA_TYPE.equals(root.path("mediaType").asText(null))) {
      throw new IOException(from + ": not an access profile (mediaType is not " + MEDIA_TYPE
          + ")");
    }
    JsonNode layers = root.path("layers");
    if (!layers.isObject()) {
      throw new IOException(from + ": access profile has no 'layers' object");
    }
    Map<Digest, LayerProfile> out = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = layers.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      Digest layer;
      try {
        layer = Digest.parse(e.getKey());
      } catch (IllegalArgumentException bad) {
        throw new IOException(from + ": access profile names an invalid layer digest '"
            + e.getKey() + "'");
      }
      JsonNode files = e.getValue();
      if (!files.isArray() || files.size() > LayerProfile.MAX_FILES) {
        throw new IOException(from + ": access profile of layer " + layer
            + " is not a list of at most " + LayerProfile.MAX_FILES + " file names");
      }
      List<String> names = new ArrayList<>(files.size());
      for (JsonNode f : files) {
        String name = f.isTextual() ? f.asText() : null;
        if (name == null || name.isEmpty() || name.length() > LayerProfile.MAX_NAME_LENGTH
            || name.indexOf('\0') >= 0) {
          throw new IOException(from + ": access profile of layer " + layer
              + " has an invalid file name: " + f);
        }
        names.add(name);
      }
      out.put(layer, new LayerProfile(layer, names));
    }
    return List.copyOf(out.values());
  }
}
