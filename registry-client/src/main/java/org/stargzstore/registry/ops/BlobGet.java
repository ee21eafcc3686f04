package org.stargzstore.registry.ops;

import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.Response;
import org.stargzstore.registry.http.RegistryOperation;
import org.stargzstore.types.Digest;

/**
 * {@code GET /v2/NAME/blobs/DIGEST}, whole or with a {@code Range} header (one or several
 * ranges). It is only opened, never handled: the blob reader consumes the streaming body itself,
 * and accepts 200 as well as 206 because some servers ignore {@code Range}.
 */
public final class BlobGet implements RegistryOperation<Void> {
  private final String image;
  private final String repository;
  private final Digest digest;
  private final String range;
  private final String what;

  /** @param range a {@code Range} header value, or null for the whole blob */
  public BlobGet(String image, String repository, Digest digest, String range, String what) {
    this.image = image;
    this.repository = repository;
    this.digest = digest;
    this.range = range;
    this.what = what;
  }

  @Override
  public String action() {
    return "reading " + what + " of blob " + digest + " in " + image;
  }

  @Override
  public Request.Builder request(HttpUrl base) {
    return request(BlobUrls.blob(base, repository, digest), range);
  }

  /** The same GET against any URL (a cached storage URL). */
  public static Request.Builder request(HttpUrl url, String range) {
    Request.Builder b = new Request.Builder().url(url).get()
        // a transparently gunzipped body would break byte offsets
        .header("Accept-Encoding", "identity");
    if (range != null) {
      b.header("Range", range);
    }
    return b;
  }

  @Override
  public boolean accepts(int status) {
    return status == 200 || status == 206;
  }

  @Override
  public Void handle(Response response) {
    throw new UnsupportedOperationException("BlobGet bodies are read by the blob reader");
  }
}
