package org.stargzstore.registry.http;

import java.io.IOException;
import okhttp3.Interceptor;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSource;
import okio.ForwardingSource;
import okio.Okio;
import org.stargzstore.registry.RegistryStats;

/**
 * Counts every request on the wire and the response body bytes actually read, into the
 * client's {@link RegistryStats}.
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
    Response r = chain.proceed(req);
    ResponseBody body = r.body();
    if (body == null) {
      return r;
    }
    BufferedSource counted = Okio.buffer(new ForwardingSource(body.source()) {
      @Override
      public long read(Buffer sink, long byteCount) throws IOException {
        long n = super.read(sink, byteCount);
        if (n > 0) {
          stats.onBytesReceived(n);
        }
        return n;
      }
    });
    return r.newBuilder()
        .body(ResponseBody.create(counted, body.contentType(), body.contentLength()))
        .build();
  }
}
