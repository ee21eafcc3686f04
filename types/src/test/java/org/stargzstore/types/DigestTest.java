package org.stargzstore.types;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A digest held as bytes reads, compares and prints exactly as its hex form did. */
class DigestTest {
  private static final String EMPTY =
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

  @Test
  void hexAndTextRoundTrip() {
    Digest d = Digest.parse("sha256:" + EMPTY);
    assertEquals(EMPTY, d.hex());
    assertEquals("sha256:" + EMPTY, d.toString());
    assertEquals("e3b0c44298fc", d.shortHex());
    assertEquals(d, new Digest(EMPTY));
    assertEquals(d.hashCode(), new Digest(EMPTY).hashCode());
    assertEquals(d, Digest.of(new byte[0]));
    assertArrayEquals(HexFormat.of().parseHex(EMPTY), d.bytes());
  }

  @Test
  void matchesItsContentOnly() {
    byte[] data = "hello".getBytes(StandardCharsets.UTF_8);
    Digest d = Digest.of(data);
    assertTrue(d.matches(data, 0, data.length));
    assertFalse(d.matches(data, 0, 4));
  }

  @Test
  void ordersAsTheHexStrings() throws Exception {
    Random rnd = new Random(19);
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    for (int i = 0; i < 2000; i++) {
      byte[] a = md.digest(Long.toString(rnd.nextLong()).getBytes(StandardCharsets.UTF_8));
      byte[] b = md.digest(Long.toString(rnd.nextLong()).getBytes(StandardCharsets.UTF_8));
      if (i % 3 == 0) {
        b = a.clone();
        b[31 - (i % 32)] ^= (byte) 0x80; // differ in one byte's top bit: signedness matters
      }
      Digest da = Digest.fromBytes(a);
      Digest db = Digest.fromBytes(b);
      String ha = HexFormat.of().formatHex(a);
      String hb = HexFormat.of().formatHex(b);
      assertEquals(ha, da.hex());
      assertEquals(Integer.signum(ha.compareTo(hb)), Integer.signum(da.compareTo(db)), ha + hb);
      assertEquals(ha.equals(hb), da.equals(db));
    }
  }

  @Test
  void malformedDigestsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new Digest(EMPTY.toUpperCase()));
    assertThrows(IllegalArgumentException.class, () -> new Digest(EMPTY.substring(1)));
    assertThrows(IllegalArgumentException.class, () -> Digest.parse("sha512:" + EMPTY));
    assertThrows(IllegalArgumentException.class, () -> Digest.fromBytes(new byte[31]));
    assertFalse(Digest.isValid("sha256:" + EMPTY + "0"));
    assertNotEquals(Digest.parse("sha256:" + EMPTY), Digest.of(new byte[1]));
  }
}
