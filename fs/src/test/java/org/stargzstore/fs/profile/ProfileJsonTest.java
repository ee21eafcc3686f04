package org.stargzstore.fs.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.stargzstore.types.Digest;

/** The profile format reads what it writes and refuses, with the reason, what it did not. */
class ProfileJsonTest {
  private static final Digest LAYER = Digest.of("layer".getBytes(StandardCharsets.UTF_8));

  private static IOException refused(String json) {
    return assertThrows(IOException.class,
        () -> ProfileJson.read(json.getBytes(StandardCharsets.UTF_8), "blob B"));
  }

  @Test
  void readsWhatItWrites() throws IOException {
    LayerProfile p = new LayerProfile(LAYER, List.of("usr/bin/python3", "etc/ld.so.cache"));
    assertEquals(List.of(p), ProfileJson.read(ProfileJson.write(List.of(p)), "x"));
  }

  @Test
  void refusesWhatIsNotAProfileSayingWhy() {
    String type = "\"mediaType\":\"" + ProfileJson.MEDIA_TYPE + "\"";
    assertTrue(refused("{\"mediaType\":\"application/other\",\"layers\":{}}").getMessage()
        .contains("blob B: not an access profile"));
    assertTrue(refused("{" + type + ",\"layers\":{\"sha256:zz\":[]}}").getMessage()
        .contains("invalid layer digest 'sha256:zz'"));
    assertTrue(refused("{" + type + ",\"layers\":{\"" + LAYER + "\":[\"\"]}}").getMessage()
        .contains("invalid file name"));
    assertTrue(refused("{" + type + ",\"layers\":[]}").getMessage().contains("no 'layers'"));
    assertTrue(refused("not json").getMessage().contains("not JSON"));
    IOException big = assertThrows(IOException.class,
        () -> ProfileJson.read(new byte[ProfileJson.MAX_BYTES + 1], "blob C"));
    assertTrue(big.getMessage().contains("blob C: access profile of 4194305 bytes refused"),
        big.getMessage());
  }

  @Test
  void mergingKeepsTheFirstRunsOrderAndAddsNewFilesAtTheEndUpToTheCap() {
    LayerProfile first = new LayerProfile(LAYER, List.of("a", "b", "c"));
    assertEquals(List.of("a", "b", "c", "d"), first.mergedWith(List.of("c", "d", "a")).files());
    assertSame(first, first.mergedWith(List.of("b", "a")));
    List<String> many = new ArrayList<>();
    for (int i = 0; i < LayerProfile.MAX_FILES + 10; i++) {
      many.add("f" + i);
    }
    assertEquals(LayerProfile.MAX_FILES, first.mergedWith(many).files().size());
    assertEquals(LayerProfile.MAX_FILES, new LayerProfile(LAYER, many).files().size());
  }
}
