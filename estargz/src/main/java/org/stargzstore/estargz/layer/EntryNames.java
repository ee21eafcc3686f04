package org.stargzstore.estargz.layer;

import java.util.Optional;

/**
 * Normalises TOC entry names to the one form a {@link LayerIndex} uses, and rejects names that
 * could escape the layer root or mean two things.
 *
 * <p>Accepted: a leading {@code ./} (any number of them), one trailing {@code /}; the root may
 * be written {@code ""}, {@code "."}, {@code "./"} or {@code "/"}. Rejected: NUL, absolute names
 * ({@code /etc/passwd}), and {@code ..}, {@code .} or empty components anywhere after the
 * leading {@code ./}. The reference Go reader cleans such names silently ({@code path.Clean});
 * we refuse them instead, because a name that needs cleaning was not written by an honest tar
 * writer and could make two entries collide.
 */
public final class EntryNames {
  private EntryNames() {}

  /** The normalised name; throws with the reason if the name is unsafe. */
  public static String normalise(String raw) throws UnsafeNameException {
    if (raw.indexOf('\0') >= 0) {
      throw new UnsafeNameException("contains a NUL byte");
    }
    if (raw.isEmpty() || raw.equals(".") || raw.equals("./") || raw.equals("/")) {
      return "";
    }
    if (raw.startsWith("/")) {
      throw new UnsafeNameException("is absolute");
    }
    String s = raw;
    while (s.startsWith("./")) {
      s = s.substring(2);
    }
    if (s.endsWith("/")) {
      s = s.substring(0, s.length() - 1);
    }
    if (s.isEmpty() || s.equals(".")) {
      return "";
    }
    int start = 0;
    while (true) {
      int slash = s.indexOf('/', start);
      int end = slash < 0 ? s.length() : slash;
      int len = end - start;
      if (len == 0) {
        throw new UnsafeNameException("has an empty path component");
      }
      if (len == 1 && s.charAt(start) == '.') {
        throw new UnsafeNameException("has a '.' path component");
      }
      if (len == 2 && s.charAt(start) == '.' && s.charAt(start + 1) == '.') {
        throw new UnsafeNameException("has a '..' path component");
      }
      if (slash < 0) {
        return s;
      }
      start = slash + 1;
    }
  }

  /** {@link #normalise} without the reason: empty if the name is unsafe. */
  public static Optional<String> tryNormalise(String raw) {
    try {
      return Optional.of(normalise(raw));
    } catch (UnsafeNameException e) {
      return Optional.empty();
    }
  }

  /** Why a name was refused; the caller adds the blob and entry to make a full message. */
  public static final class UnsafeNameException extends Exception {
    private static final long serialVersionUID = 1L;

    UnsafeNameException(String reason) {
      super(reason);
    }
  }
}
