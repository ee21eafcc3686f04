package org.stargzstore.types;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A content digest in OCI form, {@code sha256:<64 lowercase hex>}. Only sha256 is accepted: it is
 * the only algorithm the formats and registries we read use, and accepting others would let a
 * malformed TOC skip verification.
 *
 * <p>Held as its 32 bytes in four longs (48 bytes of heap, against 120 as a hex string): a
 * loaded layer keeps one per chunk, and a large layer has millions (docs/configuration.md,
 * "Memory").
 */
public final class Digest implements Comparable<Digest> {
  public static final String ALGORITHM = "sha256";
  private static final HexFormat HEX = HexFormat.of();

  private final long w0;
  private final long w1;
  private final long w2;
  private final long w3;

  /** From 64 lowercase hex digits; throws {@link IllegalArgumentException} with the bad value. */
  public Digest(String hex) {
    this(hex, 0);
  }

  /** From the 64 hex digits of {@code s} that start at {@code from} and end it. */
  private Digest(String s, int from) {
    if (!isHex64(s, from)) {
      throw new IllegalArgumentException("not a sha256 hex digest: " + s.substring(from));
    }
    this.w0 = HexFormat.fromHexDigitsToLong(s, from, from + 16);
    this.w1 = HexFormat.fromHexDigitsToLong(s, from + 16, from + 32);
    this.w2 = HexFormat.fromHexDigitsToLong(s, from + 32, from + 48);
    this.w3 = HexFormat.fromHexDigitsToLong(s, from + 48, from + 64);
  }

  private Digest(byte[] sha256) {
    if (sha256.length != 32) {
      throw new IllegalArgumentException("a sha256 digest is 32 bytes, not " + sha256.length);
    }
    this.w0 = word(sha256, 0);
    this.w1 = word(sha256, 8);
    this.w2 = word(sha256, 16);
    this.w3 = word(sha256, 24);
  }

  private static long word(byte[] b, int off) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[off + i] & 0xff);
    }
    return v;
  }

  /** The 64 lowercase hex digits (made on each call: the digest is stored as bytes). */
  public String hex() {
    return HEX.toHexDigits(w0) + HEX.toHexDigits(w1) + HEX.toHexDigits(w2)
        + HEX.toHexDigits(w3);
  }

  /** The 32 bytes of the digest. */
  public byte[] bytes() {
    byte[] b = new byte[32];
    long[] words = {w0, w1, w2, w3};
    for (int w = 0; w < 4; w++) {
      for (int i = 0; i < 8; i++) {
        b[w * 8 + i] = (byte) (words[w] >>> (56 - 8 * i));
      }
    }
    return b;
  }

  /** 64 lowercase hex digits from {@code from} to the end (no regex: TOCs hold many digests). */
  private static boolean isHex64(String s, int from) {
    if (s == null || s.length() - from != 64) {
      return false;
    }
    for (int i = from; i < s.length(); i++) {
      char c = s.charAt(i);
      if ((c < '0' || c > '9') && (c < 'a' || c > 'f')) {
        return false;
      }
    }
    return true;
  }

  /** Parses {@code sha256:<hex>}; throws {@link IllegalArgumentException} with the bad value. */
  public static Digest parse(String s) {
    if (s == null || !s.startsWith(ALGORITHM + ":")) {
      throw new IllegalArgumentException("not a sha256 digest (want sha256:<64 hex>): " + s);
    }
    return new Digest(s, ALGORITHM.length() + 1);
  }

  /** True if {@code s} is a well-formed {@code sha256:<hex>} digest. */
  public static boolean isValid(String s) {
    return s != null && s.startsWith(ALGORITHM + ":") && isHex64(s, ALGORITHM.length() + 1);
  }

  public static Digest of(byte[] data) {
    return of(data, 0, data.length);
  }

  public static Digest of(byte[] data, int offset, int length) {
    MessageDigest md = newSha256();
    md.update(data, offset, length);
    return fromBytes(md.digest());
  }

  public static Digest fromBytes(byte[] sha256) {
    return new Digest(sha256);
  }

  /** A fresh SHA-256 digester (cloned from a prototype: cheaper than a provider lookup). */
  public static MessageDigest newSha256() {
    try {
      return (MessageDigest) Sha256Prototype.INSTANCE.clone();
    } catch (CloneNotSupportedException e) {
      try {
        return MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e2) {
        throw new IllegalStateException("the JDK has no SHA-256", e2);
      }
    }
  }

  /** Holder of the digester every {@link #newSha256()} clones. */
  private static final class Sha256Prototype {
    static final MessageDigest INSTANCE;

    static {
      try {
        INSTANCE = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("the JDK has no SHA-256", e);
      }
    }
  }

  /** True if the sha256 of {@code data[offset, offset+length)} equals this digest. */
  public boolean matches(byte[] data, int offset, int length) {
    MessageDigest md = newSha256();
    md.update(data, offset, length);
    return MessageDigest.isEqual(md.digest(), bytes());
  }

  /** The digest's 12-character short form, for logs. */
  public String shortHex() {
    return HEX.toHexDigits(w0).substring(0, 12);
  }

  /** Orders as the hex strings do (unsigned, most significant word first). */
  @Override
  public int compareTo(Digest o) {
    int c = Long.compareUnsigned(w0, o.w0);
    if (c == 0) {
      c = Long.compareUnsigned(w1, o.w1);
    }
    if (c == 0) {
      c = Long.compareUnsigned(w2, o.w2);
    }
    return c != 0 ? c : Long.compareUnsigned(w3, o.w3);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Digest d && w0 == d.w0 && w1 == d.w1 && w2 == d.w2 && w3 == d.w3;
  }

  @Override
  public int hashCode() {
    return Objects.hash(w0, w1, w2, w3);
  }

  @Override
  public String toString() {
    return ALGORITHM + ":" + hex();
  }
}
