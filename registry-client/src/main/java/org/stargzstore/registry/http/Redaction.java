package org.stargzstore.registry.http;

import okhttp3.HttpUrl;
import okhttp3.Request;

/**
 * How requests appear in logs and messages: method, scheme, host and path only. Query strings
 * are dropped (signed storage URLs and upload states carry secrets in them) and headers are
 * never shown, except {@code Range}.
 */
public final class Redaction {
  private Redaction() {}

  public static String url(HttpUrl url) {
    return url.scheme() + "://" + url.host() + (url.port() == HttpUrl.defaultPort(url.scheme())
        ? "" : ":" + url.port()) + url.encodedPath() + (url.querySize() > 0 ? "?…" : "");
  }

  public static String describe(Request r) {
    String range = r.header("Range");
    return r.method() + " " + url(r.url()) + (range == null ? "" : " (" + range + ")");
  }
}
