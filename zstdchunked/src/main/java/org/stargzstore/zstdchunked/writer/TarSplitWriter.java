package org.stargzstore.zstdchunked.writer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Base64;
import org.stargzstore.estargz.writer.TarHeader;
import org.stargzstore.types.Digest;

/**
 * Writes tar-split metadata (github.com/vbatts/tar-split, JSON packer), which current
 * containers/storage needs to rebuild the exact tar of a partially pulled zstd:chunked layer and
 * so to compute its diffID: one JSON line per piece of the tar, in order. A segment
 * ({@code "type":2}) holds raw bytes (headers, padding, the end marker) in base64; a file entry
 * ({@code "type":1}) holds a name, a size and the CRC-64 of the content, whose bytes the reader
 * takes from the files.
 *
 * <p>The lines are zstd-compressed as they are written, so only the compressed form is held in
 * memory (tar-split of a 100k-file layer is tens of megabytes uncompressed).
 */
final class TarSplitWriter {
  /** tar-split reads trailing bytes after the end marker in pieces of this size. */
  static final int PADDING_CHUNK = 1 << 20;
  private static final JsonFactory JSON = new JsonFactory();

  private final ByteArrayOutputStream compressed = new ByteArrayOutputStream();
  private final CountingStream counting;
  private final ZstdOutputStream zstd;
  private final JsonGenerator json;
  private int position;
  private byte[] result;

  TarSplitWriter(int zstdLevel) throws IOException {
    zstd = new ZstdOutputStream(compressed, zstdLevel);
    counting = new CountingStream(zstd);
    json = JSON.createGenerator(counting);
    json.setRootValueSeparator(null);
  }

  /** Raw bytes of the tar (ignored if empty, as tar-split does). */
  void segment(byte[] payload) throws IOException {
    if (payload.length == 0) {
      return;
    }
    json.writeStartObject();
    json.writeNumberField("type", 2);
    json.writeStringField("payload", Base64.getEncoder().encodeToString(payload));
    json.writeNumberField("position", position++);
    json.writeEndObject();
    newline();
  }

  /**
   * A file entry: every tar entry has one, whatever its type.
   *
   * @param crc64 CRC-64 of the content, or null if the header's size is 0 (names that are not
   *     UTF-8 go to {@code name_raw}, as tar-split stores them)
   */
  void file(TarHeader h, byte[] crc64) throws IOException {
    json.writeStartObject();
    json.writeNumberField("type", 1);
    if (h.hasUtf8Name()) {
      if (!h.name().isEmpty()) {
        json.writeStringField("name", h.name());
      }
    } else {
      json.writeStringField("name_raw", Base64.getEncoder().encodeToString(h.nameBytes()));
    }
    if (h.size() != 0) {
      json.writeNumberField("size", h.size());
    }
    if (crc64 == null) {
      json.writeNullField("payload");
    } else {
      json.writeStringField("payload", Base64.getEncoder().encodeToString(crc64));
    }
    json.writeNumberField("position", position++);
    json.writeEndObject();
    newline();
  }

  private void newline() throws IOException {
    json.flush();
    counting.write('\n');
  }

  /** Ends the stream; returns the zstd-compressed tar-split. */
  byte[] finish() throws IOException {
    if (result == null) {
      json.close();
      zstd.close();
      result = compressed.toByteArray();
    }
    return result;
  }

  /** Uncompressed length of the tar-split JSON. */
  long uncompressedSize() {
    return counting.count;
  }

  /** sha256 of the compressed tar-split, which the TOC records as {@code tarSplitDigest}. */
  Digest digest() throws IOException {
    return Digest.of(finish());
  }

  private static final class CountingStream extends OutputStream {
    private final OutputStream out;
    private long count;

    CountingStream(OutputStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }

    @Override
    public void flush() throws IOException {
      // the zstd stream is flushed once, at the end
    }

    @Override
    public void close() {
      // closed by finish()
    }
  }
}
