package org.stargzstore.registry.ops;

import java.io.IOException;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.stargzstore.registry.BlobContent;
import org.stargzstore.registry.errors.RegistryDigestMismatchException;

/**
 * {@code PUT UPLOAD_URL?digest=DIGEST}: closes an upload, with the whole content (monolithic) or
 * nothing (after chunks). The registry verifies the digest; we check the one it reports back.
 */
public final class UploadFinish extends UploadStep<Void> {
  private final String image;
  private final HttpUrl location;
  private final BlobContent content;
  private final boolean withBody;

  public UploadFinish(String image, HttpUrl location, BlobContent content, boolean withBody) {
    this.image = image;
    this.location = location;
    this.content = content;
    this.withBody = withBody;
  }

  @Override
  public String action() {
    return "completing upload of blob " + content.digest() + " to " + image;
  }

  @Override
  public Request.Builder request(HttpUrl base) {
    HttpUrl url = location.newBuilder().addQueryParameter("digest", content.digest().toString())
        .build();
    RequestBody body = withBody ? new ContentBody(content, 0, content.size())
        : RequestBody.create(new byte[0], ContentBody.OCTET_STREAM);
    return new Request.Builder().url(url).put(body);
  }

  @Override
  public boolean accepts(int status) {
    return status == 201 || status == 204;
  }

  @Override
  public Void handle(Response r) throws IOException {
    String d = r.header("Docker-Content-Digest");
    if (d != null && !d.equals(content.digest().toString())) {
      throw new RegistryDigestMismatchException(action(), content.digest().toString(), d);
    }
    return null;
  }
}
