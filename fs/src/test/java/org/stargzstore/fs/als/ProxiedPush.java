package org.stargzstore.fs.als;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.stargzstore.registry.BlobContent;
import org.stargzstore.registry.ImageReference;
import org.stargzstore.registry.PushOptions;
import org.stargzstore.registry.RegistryClient;
import org.stargzstore.registry.RegistryClientConfig;

/**
 * Tests that put a fault proxy between the store and a real registry: a client that reaches the
 * proxy over plain HTTP as podman would (its own registries.conf), and the push of a one-layer
 * image built from a local blob and its descriptor.
 */
final class ProxiedPush {
  private ProxiedPush() {}

  /** A client for {@code hostPort} (insecure), its registries.conf and auth file in {@code dir}. */
  static RegistryClient client(Path dir, String hostPort) throws IOException {
    Path conf = dir.resolve("registries.conf");
    Files.writeString(conf, "unqualified-search-registries = []\n[[registry]]\nlocation = \""
        + hostPort + "\"\ninsecure = true\n");
    return RegistryClient.create(RegistryClientConfig.builder().registriesConf(conf, true)
        .authFiles(List.of(RegistryClientConfig.AuthFileSpec.of(dir.resolve("auth.json"))))
        .build());
  }

  /**
   * Pushes {@code blob} as the one layer of image {@code ref}, described by {@code descriptor}
   * (the shared fixtures' JSON layout); returns the image as pushed.
   */
  static ResolvedImage oneLayer(RegistryClient c, String ref, Path blob, Path descriptor)
      throws IOException {
    ResolvedImage img = new LocalBlobsImageSource()
        .add("local/image:1", List.of(blob), List.of(descriptor)).image("local/image:1");
    ImageReference target = ImageReference.parse(ref);
    c.pushBlob(target, BlobContent.ofFile(blob), PushOptions.monolithic());
    c.pushBlob(target, BlobContent.ofBytes(img.config()), PushOptions.monolithic());
    c.pushManifest(target, img.manifest(), "application/vnd.oci.image.manifest.v1+json");
    return img;
  }
}
