package org.stargzstore.registry.manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Served documents that once crashed the parser (bug-* seeds of ManifestParserFuzzTest). */
class ManifestParserTest {
  private static final String DIGEST =
      "sha256:a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447";

  @Test
  void aContentTypeOfOnlyParametersCountsAsNone() throws Exception {
    byte[] body = ("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"a\",\"digest\":\"" + DIGEST
        + "\",\"size\":1},\"layers\":[]}").getBytes(StandardCharsets.UTF_8);
    Manifest m = ManifestParser.parse(body, ";", "manifest of x");
    assertEquals(MediaTypes.OCI_MANIFEST, ((ImageManifest) m).mediaType(),
        "the type comes from the document's shape");
  }

  @Test
  void parametersAreCutFromAContentType() {
    assertEquals("a/b", MediaTypes.withoutParameters(" a/b ; charset=utf-8"));
    assertEquals("", MediaTypes.withoutParameters(";"));
  }
}
