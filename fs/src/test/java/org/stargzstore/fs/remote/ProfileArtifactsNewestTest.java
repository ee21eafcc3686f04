package org.stargzstore.fs.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** Which of several published profiles a node uses (the referrers API lists in no order). */
class ProfileArtifactsNewestTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TYPE = org.stargzstore.fs.profile.ProfileJson.MEDIA_TYPE;

  private static JsonNode index(String... descriptors) throws Exception {
    return JSON.readTree("{\"manifests\":[" + String.join(",", descriptors) + "]}");
  }

  private static String profile(String digest, String created) {
    return "{\"digest\":\"" + digest + "\",\"artifactType\":\"" + TYPE + "\""
        + (created == null ? "" : ",\"annotations\":{\"" + ProfileArtifacts.CREATED + "\":\""
            + created + "\"}")
        + "}";
  }

  @Test
  void theNewestByItsCreatedAnnotationWinsWhateverTheListOrder() throws Exception {
    JsonNode idx = index(profile("sha256:b", "2026-12-05T10:00:00Z"),
        profile("sha256:a", "2026-12-05T11:00:00.5Z"),
        profile("sha256:c", "2026-12-04T23:59:59Z"));
    assertEquals("sha256:a", ProfileArtifacts.newest(idx).orElseThrow().path("digest").asText());
  }

  @Test
  void withoutAnnotationsTheLastInTheListWinsAndOtherArtifactsAreNotProfiles() throws Exception {
    JsonNode idx = index(profile("sha256:a", null), profile("sha256:b", "not a time"),
        "{\"digest\":\"sha256:sig\",\"artifactType\":\"application/vnd.dev.sigstore\"}");
    assertEquals("sha256:b", ProfileArtifacts.newest(idx).orElseThrow().path("digest").asText());
    assertTrue(ProfileArtifacts.newest(index(
        "{\"digest\":\"sha256:sig\",\"artifactType\":\"application/x\"}")).isEmpty());
  }

  @Test
  void anAnnotatedProfileBeatsAnOlderUnannotatedOne() throws Exception {
    JsonNode idx = index(profile("sha256:new", "2026-12-05T10:00:00Z"), profile("sha256:old", null));
    assertEquals("sha256:new", ProfileArtifacts.newest(idx).orElseThrow().path("digest").asText());
  }
}
