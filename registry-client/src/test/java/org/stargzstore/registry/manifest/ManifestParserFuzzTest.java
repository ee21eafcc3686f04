package org.stargzstore.registry.manifest;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.stargzstore.registry.Platform;
import org.stargzstore.registry.errors.RegistryProtocolException;
import org.stargzstore.registry.errors.UnsupportedManifestException;
import org.stargzstore.types.LayerDescriptor;

/**
 * Fuzzes what the client does with a manifest body a registry sent: parse it as manifest or
 * index (with the served Content-Type), pick a platform from an index, turn layers into layer
 * descriptors, and parse it as an image config. Each step either succeeds or fails with the
 * client's typed {@link RegistryProtocolException} / {@link UnsupportedManifestException}.
 *
 * <p>Input: the Content-Type header up to the first newline, then the body. Seeds: OCI and
 * Docker manifests, indexes and configs as registries serve them.
 */
class ManifestParserFuzzTest {

  @FuzzTest(maxDuration = "10s")
  void parseManifest(byte[] input) throws Exception {
    int nl = indexOf(input, (byte) '\n');
    String contentType = nl < 0 ? null
        : new String(input, 0, nl, StandardCharsets.ISO_8859_1);
    byte[] body = nl < 0 ? input : Arrays.copyOfRange(input, nl + 1, input.length);
    try {
      Manifest m = ManifestParser.parse(body, contentType, "fuzz manifest");
      if (m instanceof ImageIndex index) {
        PlatformMatcher.select(index, Platform.parse("linux/amd64"));
      } else if (m instanceof ImageManifest manifest) {
        for (Descriptor layer : manifest.layers()) {
          // as fs/remote LayerDescriptors turns them into what the layer store reads
          LayerDescriptor d = new LayerDescriptor(layer.mediaType(), layer.digest(),
              layer.size(), layer.annotations());
          d.tocDigest();
          d.zstdChunkedManifestPosition();
          d.uncompressedSize();
        }
      }
    } catch (RegistryProtocolException | UnsupportedManifestException expected) {
      // the contract: a typed error naming the document
    }
    try {
      ManifestParser.parseConfig(body, "fuzz config");
    } catch (RegistryProtocolException expected) {
      // the contract: a typed error naming the document
    }
  }

  private static int indexOf(byte[] b, byte c) {
    for (int i = 0; i < b.length; i++) {
      if (b[i] == c) {
        return i;
      }
    }
    return -1;
  }
}
