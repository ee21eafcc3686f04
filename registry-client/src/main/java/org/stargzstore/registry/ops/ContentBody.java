package org.stargzstore.registry.ops;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import okio.BufferedSink;
import org.stargzstore.registry.BlobContent;

/**
 * A request body of {@code [offset, offset + length)} of a {@link BlobContent}, streamed (not
 * loaded into memory) and re-readable, so a PUT can be retried.
 */
final class ContentBody extends RequestBody {
  static final MediaType OCTET_STREAM = MediaType.get("application/octet-stream");
  private final BlobContent content;
  private final long offset;
  private final long length;

  ContentBody(BlobContent content, long offset, long length) {
    this.content = content;
    this.offset = offset;
    this.length = length;
  }

  @Override
  public MediaType contentType() {
    return OCTET_STREAM;
  }

  @Override
  public long contentLength() {
    return length;
  }

  @Override
  public void writeTo(BufferedSink sink) throws IOException {
    try (InputStream in = content.openStream(offset)) {
      byte[] buf = new byte[64 << 10];
      long left = length;
      while (left > 0) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, left));
        if (n < 0) {
          throw new EOFException("blob content " + content.digest() + " ended early");
        }
        sink.write(buf, 0, n);
        left -= n;
      }
    }
  }
}
