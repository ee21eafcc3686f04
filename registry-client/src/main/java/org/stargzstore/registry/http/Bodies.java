package org.stargzstore.registry.http;

import java.io.IOException;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSource;
import org.stargzstore.registry.errors.RegistryProtocolException;

/** Reading response bodies with a size limit (a hostile registry cannot exhaust memory). */
public final class Bodies {
  private Bodies() {}

  /**
   * The whole body, which may be at most {@code max} bytes; a body without a declared length
   * (chunked, or gzip that OkHttp decodes) is read to its end.
   *
   * @throws RegistryProtocolException if it is longer than {@code max}
   * @throws java.io.EOFException if it is shorter than its declared length
   */
  public static byte[] readLimited(ResponseBody body, long max, String what) throws IOException {
    if (body == null) {
      return new byte[0];
    }
    long declared = body.contentLength();
    if (declared > max) {
      throw new RegistryProtocolException(what + ": response of " + declared
          + " bytes is larger than the limit of " + max);
    }
    BufferedSource src = body.source();
    Buffer buf = new Buffer();
    while (true) {
      long n = src.read(buf, 64 << 10);
      if (n < 0) {
        break;
      }
      if (buf.size() > max) {
        throw new RegistryProtocolException(what + ": response is larger than the limit of "
            + max + " bytes");
      }
    }
    if (declared >= 0 && buf.size() != declared) {
      throw new java.io.EOFException(what + ": expected " + declared + " bytes, got "
          + buf.size());
    }
    return buf.readByteArray();
  }
}
