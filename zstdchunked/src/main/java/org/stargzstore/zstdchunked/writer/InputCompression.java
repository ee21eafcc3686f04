package org.stargzstore.zstdchunked.writer;

import com.github.luben.zstd.ZstdInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import org.stargzstore.estargz.writer.InvalidTarException;

/**
 * What a conversion's input is compressed with, told by its first bytes, and how to read it
 * uncompressed. Layers come as plain tars, gzip (docker and OCI layers) or zstd; other
 * compressions are named in the error rather than reported as "not a tar".
 */
public enum InputCompression {
  NONE("uncompressed"),
  GZIP("gzip"),
  ZSTD("zstd");

  private final String displayName;

  InputCompression(String displayName) {
    this.displayName = displayName;
  }

  public String displayName() {
    return displayName;
  }

  /** Bytes to read before calling {@link #sniff}. */
  public static final int MAGIC_LENGTH = 6;

  /**
   * Identifies the compression from the first bytes of the input (fewer if it is shorter).
   *
   * @throws InvalidTarException for compressions layers do not use (xz, bzip2)
   */
  public static InputCompression sniff(byte[] head, int length, String input)
      throws InvalidTarException {
    if (starts(head, length, 0x1f, 0x8b)) {
      return GZIP;
    }
    if (starts(head, length, 0x28, 0xb5, 0x2f, 0xfd)) {
      return ZSTD;
    }
    if (starts(head, length, 0xfd, '7', 'z', 'X', 'Z', 0)) {
      throw new InvalidTarException(input, "is xz-compressed; decompress it first (xz -d)");
    }
    if (starts(head, length, 'B', 'Z', 'h')) {
      throw new InvalidTarException(input, "is bzip2-compressed; decompress it first (bzip2 -d)");
    }
    return NONE;
  }

  private static boolean starts(byte[] head, int length, int... magic) {
    if (length < magic.length) {
      return false;
    }
    for (int i = 0; i < magic.length; i++) {
      if ((head[i] & 0xff) != magic[i]) {
        return false;
      }
    }
    return true;
  }

  /** The uncompressed stream of {@code in} (which this compression was sniffed from). */
  public InputStream decompress(InputStream in) throws IOException {
    return switch (this) {
      case NONE -> in;
      case GZIP -> new GZIPInputStream(in, 64 << 10);
      case ZSTD -> new ZstdInputStream(in);
    };
  }
}
