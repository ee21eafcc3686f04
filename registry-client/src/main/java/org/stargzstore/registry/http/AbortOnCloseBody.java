package org.stargzstore.registry.http;

import java.io.IOException;
import okhttp3.Call;
import okhttp3.MediaType;
import okhttp3.ResponseBody;
import okio.AsyncTimeout;
import okio.Buffer;
import okio.BufferedSource;
import okio.ForwardingSource;
import okio.Okio;

/**
 * A response body that, when closed with much of it unread, cancels its call instead of letting
 * OkHttp drain the rest to reuse the connection (it reads on for up to 100 ms, which on a fast
 * link is tens of megabytes of an abandoned read-ahead, or of a blob a server sent whole).
 * A small remainder is still drained so the connection can be reused.
 */
final class AbortOnCloseBody extends ResponseBody {
  /** Unread bytes above which closing aborts the connection rather than draining it. */
  static final long DRAIN_LIMIT = 64 << 10;

  private final ResponseBody delegate;
  private final Call call;
  private final BufferedSource source;
  private long consumed;

  AbortOnCloseBody(ResponseBody delegate, Call call) {
    this.delegate = delegate;
    this.call = call;
    this.source = Okio.buffer(new ForwardingSource(delegate.source()) {
      @Override
      public long read(Buffer sink, long byteCount) throws IOException {
        long n = super.read(sink, byteCount);
        if (n > 0) {
          consumed += n;
        }
        return n;
      }

      @Override
      public void close() throws IOException {
        long length = delegate.contentLength();
        long unread = length < 0 ? Long.MAX_VALUE : length - consumed;
        if (unread > DRAIN_LIMIT) {
          call.cancel();
        }
        super.close();
      }
    });
  }

  /**
   * Lets the body be read past the deadline of the call that opened it (a whole blob a spool
   * keeps reading after the read that received it has ended); stalls still end it.
   */
  static void outliveDeadline(okhttp3.Response r) {
    if (r.body() instanceof AbortOnCloseBody b && b.call.timeout() instanceof AsyncTimeout t) {
      t.exit();
    }
  }

  static void cancel(okhttp3.Response r) {
    if (r.body() instanceof AbortOnCloseBody b) {
      b.call.cancel();
    }
  }

  @Override
  public MediaType contentType() {
    return delegate.contentType();
  }

  @Override
  public long contentLength() {
    return delegate.contentLength();
  }

  @Override
  public BufferedSource source() {
    return source;
  }
}
