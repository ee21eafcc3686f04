package org.stargzstore.estargz.writer;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.stargzstore.estargz.toc.EntryType;

/**
 * Decodes tar header blocks the way Go's {@code archive/tar} reader does (the reader used by
 * both reference writers and by containers/storage when it checks a TOC against the tar): octal
 * and base-256 numbers, USTAR prefixes, star and GNU time fields, PAX records applied over the
 * header (empty PAX values keep the header value; {@code SCHILY.xattr.*} values are raw bytes).
 *
 * <p>Apache Commons Compress is not used here on purpose: it strips leading slashes from names
 * and decodes PAX values as UTF-8, which would lose binary extended attributes such as
 * {@code security.capability}, and it does not expose the raw byte layout the writers copy.
 */
final class TarHeaderParser {
  static final int BLOCK = 512;
  /** Go's limit for the data of PAX and GNU long-name headers. */
  static final int MAX_SPECIAL_FILE = 1 << 20;

  private static final String SCHILY_XATTR = "SCHILY.xattr.";

  private TarHeaderParser() {}

  /** The tar format family a header block declares, as Go's {@code Header.Format} detection. */
  enum Format {
    V7, USTAR, STAR, GNU
  }

  /** Thrown for a malformed field; the caller adds input name and offset. */
  static final class BadHeader extends Exception {
    private static final long serialVersionUID = 1L;

    BadHeader(String message) {
      super(message);
    }
  }

  static boolean isZeroBlock(byte[] b) {
    for (int i = 0; i < BLOCK; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * The block's format, or null if its checksum is wrong (so it is not a tar header at all). Go
   * accepts both the unsigned and the historic signed checksum.
   */
  static Format format(byte[] b) {
    long stored;
    try {
      stored = parseOctal(b, 148, 8);
    } catch (BadHeader e) {
      return null;
    }
    long unsigned = 0;
    long signed = 0;
    for (int i = 0; i < BLOCK; i++) {
      int c = (i >= 148 && i < 156) ? ' ' : b[i];
      unsigned += c & 0xff;
      signed += (byte) c;
    }
    if (stored != unsigned && stored != signed) {
      return null;
    }
    boolean ustarMagic = matches(b, 257, "ustar\0");
    if (ustarMagic && matches(b, 508, "tar\0")) {
      return Format.STAR;
    }
    if (ustarMagic) {
      return Format.USTAR;
    }
    if (matches(b, 257, "ustar ") && matches(b, 263, " \0")) {
      return Format.GNU;
    }
    return Format.V7;
  }

  private static boolean matches(byte[] b, int off, String s) {
    for (int i = 0; i < s.length(); i++) {
      if (b[off + i] != (byte) s.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  static char typeflag(byte[] block) {
    return (char) (block[156] & 0xff);
  }

  /** The size field (used to find the end of PAX and GNU long-name data). */
  static long sizeField(byte[] block) throws BadHeader {
    long size = parseNumeric(block, 124, 12);
    if (size < 0) {
      throw new BadHeader("negative size " + size);
    }
    return size;
  }

  /**
   * Builds the entry's header from its main block plus the PAX records and GNU long names that
   * preceded it.
   *
   * @param pax PAX records of a preceding {@code x} header (empty if none), values as raw bytes
   * @param gnuLongName data of a preceding GNU {@code L} header, or null
   * @param gnuLongLink data of a preceding GNU {@code K} header, or null
   */
  static TarHeader build(byte[] b, Format format, Map<String, byte[]> pax, byte[] gnuLongName,
      byte[] gnuLongLink) throws BadHeader {
    char flag = typeflag(b);
    byte[] name = cString(b, 0, 100);
    byte[] linkName = cString(b, 157, 100);
    long size = parseNumeric(b, 124, 12);
    long mode = parseNumeric(b, 100, 8);
    long uid = parseNumeric(b, 108, 8);
    long gid = parseNumeric(b, 116, 8);
    Instant modTime = Instant.ofEpochSecond(parseNumeric(b, 136, 12));
    Instant accessTime = null;
    Instant changeTime = null;
    String userName = "";
    String groupName = "";
    long devMajor = 0;
    long devMinor = 0;
    if (format != Format.V7) {
      userName = utf8(cString(b, 265, 32));
      groupName = utf8(cString(b, 297, 32));
      devMajor = parseNumeric(b, 329, 8);
      devMinor = parseNumeric(b, 337, 8);
      byte[] prefix = new byte[0];
      switch (format) {
        case USTAR -> prefix = cString(b, 345, 155);
        case STAR -> {
          prefix = cString(b, 345, 131);
          accessTime = Instant.ofEpochSecond(parseNumeric(b, 476, 12));
          changeTime = Instant.ofEpochSecond(parseNumeric(b, 488, 12));
        }
        case GNU -> {
          try {
            if (b[345] != 0) {
              accessTime = Instant.ofEpochSecond(parseNumeric(b, 345, 12));
            }
            if (b[357] != 0) {
              changeTime = Instant.ofEpochSecond(parseNumeric(b, 357, 12));
            }
          } catch (BadHeader e) {
            // Old Go writers put a USTAR prefix here; Go's reader falls back the same way.
            accessTime = null;
            changeTime = null;
            byte[] p = cString(b, 345, 155);
            if (isAscii(p)) {
              prefix = p;
            }
          }
        }
        default -> { }
      }
      if (prefix.length > 0) {
        byte[] joined = Arrays.copyOf(prefix, prefix.length + 1 + name.length);
        joined[prefix.length] = '/';
        System.arraycopy(name, 0, joined, prefix.length + 1, name.length);
        name = joined;
      }
    }
    if (gnuLongName != null) {
      byte[] n = cString(gnuLongName, 0, gnuLongName.length);
      if (n.length > 0) {
        name = n;
      }
    }
    if (gnuLongLink != null) {
      byte[] n = cString(gnuLongLink, 0, gnuLongLink.length);
      if (n.length > 0) {
        linkName = n;
      }
    }
    TreeMap<String, byte[]> xattrs = new TreeMap<>();
    for (Map.Entry<String, byte[]> r : pax.entrySet()) {
      String k = r.getKey();
      byte[] v = r.getValue();
      if (k.startsWith("GNU.sparse.")) {
        throw new BadHeader("is a sparse file (PAX " + k + "), which layer formats cannot describe");
      }
      if (k.startsWith(SCHILY_XATTR)) {
        // Go's PAXRecords keep empty values too; the reference writers read xattrs from there.
        xattrs.put(k.substring(SCHILY_XATTR.length()), v);
        continue;
      }
      if (v.length == 0) {
        continue; // Go keeps the header's value when a PAX record is empty
      }
      switch (k) {
        case "path" -> name = v;
        case "linkpath" -> linkName = v;
        case "uname" -> userName = utf8(v);
        case "gname" -> groupName = utf8(v);
        case "uid" -> uid = parseDecimal(k, v);
        case "gid" -> gid = parseDecimal(k, v);
        case "size" -> size = parseDecimal(k, v);
        case "mtime" -> modTime = parsePaxTime(k, v);
        case "atime" -> accessTime = parsePaxTime(k, v);
        case "ctime" -> changeTime = parsePaxTime(k, v);
        default -> { }
      }
    }
    if (size < 0) {
      throw new BadHeader("negative size " + size);
    }
    String nameString = utf8(name);
    EntryType type = switch (flag) {
      case '0', '\0' -> nameString.endsWith("/") && flag == '\0' ? EntryType.DIR : EntryType.REG;
      case '1' -> EntryType.HARDLINK;
      case '2' -> EntryType.SYMLINK;
      case '3' -> EntryType.CHAR;
      case '4' -> EntryType.BLOCK;
      case '5' -> EntryType.DIR;
      case '6' -> EntryType.FIFO;
      default -> throw new BadHeader(describeUnsupported(flag));
    };
    return new TarHeader(nameString, name, type, utf8(linkName), mode, toInt("uid", uid),
        toInt("gid", gid), userName, groupName, size, modTime, accessTime, changeTime,
        toInt("devmajor", devMajor), toInt("devminor", devMinor), xattrs);
  }

  static String describeUnsupported(char flag) {
    String what = switch (flag) {
      case '7' -> "a contiguous file ('7')";
      case 'g' -> "a global PAX header ('g')";
      case 'S' -> "a GNU sparse file ('S')";
      case 'D' -> "a GNU directory dump ('D')";
      case 'V' -> "a GNU volume label ('V')";
      case 'M' -> "a GNU multi-volume continuation ('M')";
      case 'N' -> "an old GNU long-name list ('N')";
      default -> flag >= 0x20 && flag < 0x7f ? "type '" + flag + "'"
          : String.format("type 0x%02x", (int) flag);
    };
    return "has " + what + ", which no layer format supports (containers/storage and the "
        + "eStargz reference reject it as well)";
  }

  /**
   * Parses PAX extended header data: records {@code "%d %s=%s\n"}. Later records win, as in Go.
   */
  static Map<String, byte[]> parsePax(byte[] data) throws BadHeader {
    Map<String, byte[]> out = new LinkedHashMap<>();
    int pos = 0;
    while (pos < data.length) {
      int space = indexOf(data, (byte) ' ', pos, data.length);
      if (space < 0) {
        throw new BadHeader("malformed PAX record (no length)");
      }
      long n;
      try {
        n = Long.parseLong(new String(data, pos, space - pos, StandardCharsets.US_ASCII));
      } catch (NumberFormatException e) {
        throw new BadHeader("malformed PAX record length");
      }
      if (n < 5 || n > data.length - pos) {
        throw new BadHeader("malformed PAX record length " + n);
      }
      int end = pos + (int) n;
      if (end <= space + 1 || data[end - 1] != '\n') {
        throw new BadHeader("malformed PAX record (no newline)");
      }
      int eq = indexOf(data, (byte) '=', space + 1, end - 1);
      if (eq < 0 || eq == space + 1) {
        throw new BadHeader("malformed PAX record (no key)");
      }
      String key = utf8(Arrays.copyOfRange(data, space + 1, eq));
      byte[] value = Arrays.copyOfRange(data, eq + 1, end - 1);
      boolean nameLike = key.equals("path") || key.equals("linkpath") || key.equals("uname")
          || key.equals("gname");
      if (nameLike ? indexOf(value, (byte) 0, 0, value.length) >= 0 : key.indexOf('\0') >= 0) {
        throw new BadHeader("PAX record " + key + " contains a NUL byte");
      }
      out.put(key, value);
      pos = end;
    }
    return out;
  }

  private static int indexOf(byte[] b, byte c, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] == c) {
        return i;
      }
    }
    return -1;
  }

  /** Bytes of a NUL-terminated field (up to the first NUL or the field's end). */
  static byte[] cString(byte[] b, int off, int len) {
    int end = off;
    while (end < off + len && b[end] != 0) {
      end++;
    }
    return Arrays.copyOfRange(b, off, end);
  }

  /** Go's {@code parseNumeric}: base-256 if the high bit is set, else octal. */
  static long parseNumeric(byte[] b, int off, int len) throws BadHeader {
    if (len > 0 && (b[off] & 0x80) != 0) {
      int inv = (b[off] & 0x40) != 0 ? 0xff : 0;
      long x = 0;
      for (int i = 0; i < len; i++) {
        int c = (b[off + i] & 0xff) ^ inv;
        if (i == 0) {
          c &= 0x7f;
        }
        if ((x >>> 56) != 0) {
          throw new BadHeader("base-256 number out of range");
        }
        x = (x << 8) | c;
      }
      if (x < 0) {
        throw new BadHeader("base-256 number out of range");
      }
      return inv == 0xff ? ~x : x;
    }
    return parseOctal(b, off, len);
  }

  /** Go's {@code parseOctal}: leading and trailing spaces and NULs are ignored. */
  static long parseOctal(byte[] b, int off, int len) throws BadHeader {
    int start = off;
    int end = off + len;
    while (start < end && (b[start] == ' ' || b[start] == 0)) {
      start++;
    }
    while (end > start && (b[end - 1] == ' ' || b[end - 1] == 0)) {
      end--;
    }
    if (start == end) {
      return 0;
    }
    long x = 0;
    for (int i = start; i < end; i++) {
      int c = b[i];
      if (c == 0) {
        break; // Go parses up to the first NUL
      }
      if (c < '0' || c > '7' || (x >>> 61) != 0) {
        throw new BadHeader("invalid octal number '"
            + new String(b, start, end - start, StandardCharsets.ISO_8859_1).trim() + "'");
      }
      x = (x << 3) | (c - '0');
    }
    return x;
  }

  private static long parseDecimal(String key, byte[] v) throws BadHeader {
    try {
      return Long.parseLong(new String(v, StandardCharsets.US_ASCII));
    } catch (NumberFormatException e) {
      throw new BadHeader("PAX " + key + " is not a number");
    }
  }

  /** Go's {@code parsePAXTime}: seconds with up to nine fractional digits (more are cut). */
  static Instant parsePaxTime(String key, byte[] v) throws BadHeader {
    String s = new String(v, StandardCharsets.US_ASCII);
    int dot = s.indexOf('.');
    String secs = dot < 0 ? s : s.substring(0, dot);
    String frac = dot < 0 ? "" : s.substring(dot + 1);
    long sec;
    try {
      sec = Long.parseLong(secs);
    } catch (NumberFormatException e) {
      throw new BadHeader("PAX " + key + " is not a time: " + s);
    }
    if (frac.isEmpty()) {
      return Instant.ofEpochSecond(sec);
    }
    if (!frac.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new BadHeader("PAX " + key + " is not a time: " + s);
    }
    frac = frac.length() < 9 ? (frac + "000000000").substring(0, 9) : frac.substring(0, 9);
    long nanos = Long.parseLong(frac);
    return secs.startsWith("-") ? Instant.ofEpochSecond(sec, -nanos)
        : Instant.ofEpochSecond(sec, nanos);
  }

  private static int toInt(String what, long v) throws BadHeader {
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw new BadHeader(what + " " + v + " is out of range");
    }
    return (int) v;
  }

  private static boolean isAscii(byte[] b) {
    for (byte c : b) {
      if (c < 0) {
        return false;
      }
    }
    return true;
  }

  /** Decodes UTF-8; invalid bytes become U+FFFD, as Go's JSON encoder writes them. */
  static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  /** True if the bytes are valid UTF-8 (tar-split stores other names as raw bytes). */
  static boolean isValidUtf8(byte[] b) {
    try {
      StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }
}
