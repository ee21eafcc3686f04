package org.stargzstore.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.testkit.RegistryServer;

class SmokeTest {
  @RegisterExtension
  static final RegistryServer REGISTRY = RegistryServer.builder().build();

  @TempDir
  Path dir;

  @Test
  void pushResolveRead() throws Exception {
    try (RegistryClient c = TestSetup.insecureClient(dir, REGISTRY.hostPort())) {
      byte[] layer = TestImages.random(3 << 20, 1);
      ImageReference ref = ImageReference.parse(REGISTRY.hostPort() + "/smoke/app:1");
      TestImages.Pushed p = TestImages.push(c, ref, layer);
      ResolvedImage img = c.resolve(ref);
      assertEquals(p.manifestDigest(), img.manifestDigest());
      RegistryBlob b = c.blob(img, img.layers().get(0));
      assertArrayEquals(Arrays.copyOfRange(layer, 1000, 2000), b.read(1000, 1000));
      System.out.println(c.stats().snapshot());
    }
  }
}
