package org.stargzstore.registry.manifest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.stargzstore.registry.Platform;
import org.stargzstore.registry.errors.RegistryProtocolException;
import org.stargzstore.registry.errors.UnsupportedManifestException;
import org.stargzstore.types.Digest;

/**
 * Parses manifests, indexes and image configs from their JSON bytes. The media type comes from
 * the document's {@code mediaType} field, else the {@code Content-Type} it was served with, else
 * the document's shape (OCI allows omitting it). Malformed documents are a
 * {@link RegistryProtocolException} naming {@code what}.
 */
public final class ManifestParser {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ManifestParser() {}

  /**
   * Parses a manifest or index.
   *
   * @param contentType the response's Content-Type (parameters allowed), or null
   * @param what names the document in errors ("manifest of 127.0.0.1:5000/app:1")
   */
  public static Manifest parse(byte[] bytes, String contentType, String what)
      throws RegistryProtocolException, UnsupportedManifestException {
    JsonNode root = readTree(bytes, what);
    String declared = text(root, "mediaType");
    String served = contentType == null || MediaTypes.withoutParameters(contentType).isEmpty()
        ? null : MediaTypes.withoutParameters(contentType);
    String type = declared != null ? declared : served;
    if (type == null || !(MediaTypes.isIndex(type) || MediaTypes.isImageManifest(type))) {
      JsonNode sv = root.get("schemaVersion");
      if (sv != null && sv.asInt() == 1 || MediaTypes.DOCKER_SCHEMA1.equals(type)
          || MediaTypes.DOCKER_SCHEMA1_SIGNED.equals(type)) {
        throw new UnsupportedManifestException(what + " is a Docker schema 1 manifest,"
            + " which is not supported (push the image again with a current client)");
      }
      if (root.has("manifests")) {
        type = MediaTypes.OCI_INDEX;
      } else if (root.has("config") && root.has("layers")) {
        type = MediaTypes.OCI_MANIFEST;
      } else {
        throw new UnsupportedManifestException(what + " has unsupported media type "
            + (type == null ? "(none)" : type));
      }
    }
    Map<String, String> annotations = stringMap(root.get("annotations"), what);
    if (MediaTypes.isIndex(type)) {
      List<Descriptor> manifests = new ArrayList<>();
      JsonNode arr = root.get("manifests");
      if (arr == null || !arr.isArray()) {
        throw new RegistryProtocolException(what + ": index has no \"manifests\" array");
      }
      for (JsonNode m : arr) {
        manifests.add(descriptor(m, what + " index entry"));
      }
      return new ImageIndex(type, manifests, annotations);
    }
    JsonNode config = root.get("config");
    JsonNode layers = root.get("layers");
    if (config == null || !config.isObject() || layers == null || !layers.isArray()) {
      throw new RegistryProtocolException(what + ": manifest lacks \"config\" or \"layers\"");
    }
    List<Descriptor> ls = new ArrayList<>();
    for (JsonNode l : layers) {
      ls.add(descriptor(l, what + " layer"));
    }
    return new ImageManifest(type, descriptor(config, what + " config"), ls, annotations);
  }

  /** Parses an image configuration's platform fields and {@code rootfs.diff_ids}. */
  public static ImageConfig parseConfig(byte[] bytes, String what)
      throws RegistryProtocolException {
    JsonNode root = readTree(bytes, what);
    List<Digest> diffIds = new ArrayList<>();
    JsonNode ids = root.path("rootfs").path("diff_ids");
    if (ids.isArray()) {
      for (JsonNode id : ids) {
        diffIds.add(digest(id.asText(), what + " diff_id"));
      }
    } else if (!ids.isMissingNode() && !ids.isNull()) {
      throw new RegistryProtocolException(what + ": rootfs.diff_ids is not an array");
    }
    return new ImageConfig(text(root, "os"), text(root, "architecture"), text(root, "variant"),
        diffIds);
  }

  static Descriptor descriptor(JsonNode n, String what) throws RegistryProtocolException {
    if (!n.isObject()) {
      throw new RegistryProtocolException(what + " is not a JSON object");
    }
    String mediaType = text(n, "mediaType");
    if (mediaType == null) {
      throw new RegistryProtocolException(what + " has no mediaType");
    }
    JsonNode size = n.get("size");
    if (size == null || !size.canConvertToLong() || size.asLong() < 0) {
      throw new RegistryProtocolException(what + " has no valid size");
    }
    Digest d = digest(text(n, "digest"), what);
    List<String> urls = new ArrayList<>();
    if (n.has("urls") && n.get("urls").isArray()) {
      n.get("urls").forEach(u -> urls.add(u.asText()));
    }
    Platform platform = null;
    JsonNode p = n.get("platform");
    if (p != null && p.isObject()) {
      String os = text(p, "os");
      String arch = text(p, "architecture");
      if (os != null && arch != null) {
        platform = new Platform(os, arch, text(p, "variant"));
      }
    }
    return new Descriptor(mediaType, d, size.asLong(), stringMap(n.get("annotations"), what),
        urls, platform);
  }

  private static Digest digest(String s, String what) throws RegistryProtocolException {
    if (s == null) {
      throw new RegistryProtocolException(what + " has no digest");
    }
    if (!Digest.isValid(s)) {
      throw new RegistryProtocolException(what + " has digest \"" + s
          + "\": only sha256:<64 hex> is supported");
    }
    return Digest.parse(s);
  }

  private static JsonNode readTree(byte[] bytes, String what) throws RegistryProtocolException {
    try {
      JsonNode root = JSON.readTree(bytes);
      if (root == null || !root.isObject()) {
        throw new RegistryProtocolException(what + " is not a JSON object");
      }
      return root;
    } catch (RegistryProtocolException e) {
      throw e;
    } catch (JsonProcessingException e) {
      throw new RegistryProtocolException(what + " is not valid JSON: "
          + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new RegistryProtocolException(what + " cannot be read: " + e.getMessage(), e);
    }
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  private static Map<String, String> stringMap(JsonNode n, String what)
      throws RegistryProtocolException {
    Map<String, String> m = new LinkedHashMap<>();
    if (n == null || n.isNull()) {
      return m;
    }
    if (!n.isObject()) {
      throw new RegistryProtocolException(what + ": annotations are not an object");
    }
    var it = n.fields();
    while (it.hasNext()) {
      var e = it.next();
      m.put(e.getKey(), e.getValue().asText());
    }
    return m;
  }
}
