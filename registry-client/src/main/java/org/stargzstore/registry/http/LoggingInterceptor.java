package org.stargzstore.registry.http;

import java.io.IOException;
import java.util.logging.Level;
import java.util.logging.Logger;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Logs every request on the wire at FINE as one line (method, redacted URL, range, status,
 * time). Never logs a header value other than {@code Range}, so credentials and tokens cannot
 * reach a log.
 */
public final class LoggingInterceptor implements Interceptor {
  private static final Logger LOG = Logger.getLogger("org.stargzstore.registry.http.wire");

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request req = chain.request();
    if (!LOG.isLoggable(Level.FINE)) {
      return chain.proceed(req);
    }
    long start = System.nanoTime();
    try {
      Response r = chain.proceed(req);
      long ms = (System.nanoTime() - start) / 1_000_000;
      LOG.fine(Redaction.describe(req) + " -> " + r.code() + " in " + ms + " ms");
      return r;
    } catch (IOException e) {
      long ms = (System.nanoTime() - start) / 1_000_000;
      LOG.fine(Redaction.describe(req) + " -> " + e.getClass().getSimpleName() + " after " + ms
          + " ms");
      throw e;
    }
  }
}
