package org.stargzstore.zstdchunked;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import java.io.IOException;
import java.io.InputStream;

/**
 * The exact length of the tar a tar-split describes, read as a stream (a tar-split is one JSON
 * line per tar piece, tens of megabytes for a large layer, so it is never held whole): the sum of
 * the raw segments' lengths ({@code "type":2}, base64 {@code payload}) and of the files' sizes
 * ({@code "type":1}, {@code size}). This is containers/storage's own {@code tarSizeFromTarSplit},
 * which it uses as the layer's {@code diff-size}; the decompressed blob is that tar byte for byte.
 */
public final class TarSplitTarSize {
  private static final JsonFactory JSON = new JsonFactory();
  private static final int FILE = 1;
  private static final int SEGMENT = 2;

  private TarSplitTarSize() {}

  /**
   * @param compressed the tar-split's zstd frame, as stored in the blob (read to its end)
   * @throws IOException if it is not zstd or not tar-split JSON
   */
  public static long of(InputStream compressed) throws IOException {
    try (ZstdInputStreamNoFinalizer json = new ZstdInputStreamNoFinalizer(compressed);
        JsonParser p = JSON.createParser(json)) {
      long total = 0;
      JsonToken t;
      while ((t = p.nextToken()) != null) {
        if (t != JsonToken.START_OBJECT) {
          throw new IOException("tar-split: expected a JSON object, found " + t);
        }
        total = Math.addExact(total, entryLength(p));
      }
      return total;
    } catch (ArithmeticException e) {
      throw new IOException("tar-split: the sizes add up past 2^63");
    }
  }

  /** The tar bytes one entry stands for; the parser is left after its END_OBJECT. */
  private static long entryLength(JsonParser p) throws IOException {
    int type = 0;
    long size = 0;
    long payload = 0;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken v = p.nextToken();
      switch (field) {
        case "type" -> type = p.getIntValue();
        case "size" -> size = p.getLongValue();
        case "payload" -> payload = v == JsonToken.VALUE_NULL ? 0 : p.getBinaryValue().length;
        default -> p.skipChildren();
      }
    }
    if (size < 0) {
      throw new IOException("tar-split: negative file size " + size);
    }
    return switch (type) {
      case FILE -> size;
      case SEGMENT -> payload;
      default -> throw new IOException("tar-split: unknown entry type " + type);
    };
  }
}
