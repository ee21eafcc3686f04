package org.stargzstore.registry.http;

import java.io.IOException;
import okhttp3.Interceptor;
import okhttp3.Response;
import org.stargzstore.registry.RegistryStats;

/**
 * Counts every request on the wire and the request body bytes sent, into the client's
 * {@link RegistryStats}. (Bytes received are counted at the socket, see
 * {@link BufferedSocketFactory}.)
 */
public final class StatsInterceptor implements Interceptor {
  private final RegistryStats stats;

  public StatsInterceptor(RegistryStats stats) {
    this.stats = stats;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    var req = chain.request();
    long sent = req.body() == null ? 0 : Math.max(0, req.body().contentLength());
    stats.onRequest(sent);
    return chain.proceed(req);
  }
}
