package org.stargzstore.registry.manifest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Writes manifests as JSON for pushing ({@code schemaVersion} 2, fields in the order the OCI
 * specification lists them). The bytes written are what the manifest digest is computed over.
 */
public final class ManifestJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ManifestJson() {}

  public static byte[] write(ImageManifest m) {
    ObjectNode root = JSON.createObjectNode();
    root.put("schemaVersion", 2);
    root.put("mediaType", m.mediaType());
    root.set("config", descriptor(m.config()));
    var layers = root.putArray("layers");
    m.layers().forEach(l -> layers.add(descriptor(l)));
    putAnnotations(root, m.annotations());
    return bytes(root);
  }

  public static byte[] write(ImageIndex index) {
    ObjectNode root = JSON.createObjectNode();
    root.put("schemaVersion", 2);
    root.put("mediaType", index.mediaType());
    var ms = root.putArray("manifests");
    index.manifests().forEach(d -> ms.add(descriptor(d)));
    putAnnotations(root, index.annotations());
    return bytes(root);
  }

  static ObjectNode descriptor(Descriptor d) {
    ObjectNode n = JSON.createObjectNode();
    n.put("mediaType", d.mediaType());
    n.put("digest", d.digest().toString());
    n.put("size", d.size());
    if (!d.urls().isEmpty()) {
      var u = n.putArray("urls");
      d.urls().forEach(u::add);
    }
    putAnnotations(n, d.annotations());
    if (d.platform() != null) {
      ObjectNode p = n.putObject("platform");
      p.put("architecture", d.platform().architecture());
      p.put("os", d.platform().os());
      if (!d.platform().variant().isEmpty()) {
        p.put("variant", d.platform().variant());
      }
    }
    return n;
  }

  private static void putAnnotations(ObjectNode n, Map<String, String> annotations) {
    if (!annotations.isEmpty()) {
      ObjectNode a = n.putObject("annotations");
      new java.util.TreeMap<>(annotations).forEach(a::put);
    }
  }

  private static byte[] bytes(ObjectNode n) {
    try {
      return JSON.writeValueAsBytes(n);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
