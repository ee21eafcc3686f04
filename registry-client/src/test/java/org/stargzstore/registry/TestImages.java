package org.stargzstore.registry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.stargzstore.registry.manifest.Descriptor;
import org.stargzstore.registry.manifest.ImageManifest;
import org.stargzstore.registry.manifest.ManifestJson;
import org.stargzstore.registry.manifest.MediaTypes;
import org.stargzstore.types.Digest;

/** Builds and pushes small synthetic images (random layer bytes, a minimal config). */
final class TestImages {
  private TestImages() {}

  /** An image as pushed: its layers' bytes, config, manifest and manifest digest. */
  record Pushed(ImageReference ref, List<byte[]> layers, List<Descriptor> layerDescriptors,
      byte[] config, byte[] manifest, Digest manifestDigest) {}

  static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  static byte[] config(List<byte[]> layers, String os, String arch) {
    StringBuilder ids = new StringBuilder();
    for (byte[] l : layers) {
      if (ids.length() > 0) {
        ids.append(',');
      }
      // synthetic layers are not gzip: their diff ID is simply their digest here
      ids.append('"').append(Digest.of(l)).append('"');
    }
    return ("{\"architecture\":\"" + arch + "\",\"os\":\"" + os + "\",\"rootfs\":{\"type\":"
        + "\"layers\",\"diff_ids\":[" + ids + "]},\"config\":{}}").getBytes(StandardCharsets.UTF_8);
  }

  /** Pushes {@code layers} with the given annotations per layer as an OCI image. */
  static Pushed push(RegistryClient client, ImageReference ref, List<byte[]> layers,
      List<Map<String, String>> annotations, String os, String arch) throws IOException {
    List<Descriptor> descs = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      BlobContent c = BlobContent.ofBytes(layers.get(i));
      client.pushBlob(ref, c, PushOptions.monolithic());
      descs.add(new Descriptor(MediaTypes.OCI_LAYER_GZIP, c.digest(), c.size(),
          annotations == null ? Map.of() : annotations.get(i), List.of(), null));
    }
    byte[] config = config(layers, os, arch);
    BlobContent cc = BlobContent.ofBytes(config);
    client.pushBlob(ref, cc, PushOptions.monolithic());
    ImageManifest m = new ImageManifest(MediaTypes.OCI_MANIFEST,
        new Descriptor(MediaTypes.OCI_CONFIG, cc.digest(), cc.size()), descs, Map.of());
    byte[] manifest = ManifestJson.write(m);
    Digest d = client.pushManifest(ref, manifest, MediaTypes.OCI_MANIFEST);
    return new Pushed(ref, layers, descs, config, manifest, d);
  }

  static Pushed push(RegistryClient client, ImageReference ref, byte[]... layers)
      throws IOException {
    return push(client, ref, List.of(layers), null, "linux", "amd64");
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream bo = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      bo.writeBytes(p);
    }
    return bo.toByteArray();
  }
}
