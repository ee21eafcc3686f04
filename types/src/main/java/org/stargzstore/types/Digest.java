package org.stargzstore.types;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A content digest in OCI form, {@code sha256:<64 lowercase hex>}. Only sha256 is accepted: it is
 * the only algorithm the formats and registries we read use, and accepting others would let a
 * malformed TOC skip verification.
 */
public record Digest(String hex) implements Comparable<Digest> {
  public static final String ALGORITHM = "sha256";

  public Digest {
    if (!isHex64(hex, 0)) {
      throw new IllegalArgumentException("not a sha256 hex digest: " + hex);
    }
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
    return new Digest(s.substring(ALGORITHM.length() + 1));
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
    return new Digest(HexFormat.of().formatHex(sha256));
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
    return MessageDigest.isEqual(md.digest(), HexFormat.of().parseHex(hex));
  }

  /** The digest's 12-character short form, for logs. */
  public String shortHex() {
    return hex.substring(0, 12);
  }

  @Override
  public int compareTo(Digest o) {
    return hex.compareTo(o.hex);
  }

  @Override
  public String toString() {
    return ALGORITHM + ":" + hex;
  }
}
