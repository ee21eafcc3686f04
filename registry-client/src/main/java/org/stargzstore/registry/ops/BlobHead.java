package org.stargzstore.registry.ops;

import java.io.IOException;
import java.util.OptionalLong;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.Response;
import org.stargzstore.registry.errors.RegistryProtocolException;
import org.stargzstore.registry.http.RegistryOperation;
import org.stargzstore.types.Digest;

/**
 * {@code HEAD /v2/NAME/blobs/DIGEST}: the blob's size, or empty if the repository does not have
 * it (used before pushing, and to learn a blob's size when no descriptor gives it).
 */
public final class BlobHead implements RegistryOperation<OptionalLong> {
  private final String repository;
  private final Digest digest;
  private final String image;

  public BlobHead(String image, String repository, Digest digest) {
    this.image = image;
    this.repository = repository;
    this.digest = digest;
  }

  @Override
  public String action() {
    return "checking blob " + digest + " in " + image;
  }

  @Override
  public Request.Builder request(HttpUrl base) {
    return new Request.Builder().url(BlobUrls.blob(base, repository, digest)).head();
  }

  @Override
  public boolean accepts(int status) {
    return status == 200 || status == 404;
  }

  @Override
  public OptionalLong handle(Response r) throws IOException {
    if (r.code() == 404) {
      return OptionalLong.empty();
    }
    String len = r.header("Content-Length");
    try {
      long n = len == null ? -1 : Long.parseLong(len.trim());
      if (n < 0) {
        throw new RegistryProtocolException(action() + ": no Content-Length in the answer");
      }
      return OptionalLong.of(n);
    } catch (NumberFormatException e) {
      throw new RegistryProtocolException(action() + ": bad Content-Length \"" + len + "\"");
    }
  }
}
