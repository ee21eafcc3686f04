package org.stargzstore.fs.als;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The ALS directory name of an image: standard base64 (with padding) of the reference podman
 * pulls. Decoding is strict: anything else is not an image directory.
 */
public final class ImageDirectoryName {
  private ImageDirectoryName() {}

  public static String encode(String reference) {
    return Base64.getEncoder().encodeToString(reference.getBytes(StandardCharsets.UTF_8));
  }

  /** The reference a directory name encodes; {@link IllegalArgumentException} if none. */
  public static String decode(String name) {
    if (name.isEmpty() || name.length() % 4 != 0) {
      throw new IllegalArgumentException("'" + name + "' is not standard base64 with padding");
    }
    byte[] raw;
    try {
      raw = Base64.getDecoder().decode(name);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("'" + name + "' is not standard base64: " + e.getMessage());
    }
    try {
      String s = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(raw)).toString();
      if (s.isBlank() || s.chars().anyMatch(c -> c < 0x20)) {
        throw new IllegalArgumentException("'" + name + "' decodes to an empty or control text");
      }
      return s;
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("'" + name + "' does not decode to UTF-8 text");
    }
  }
}
