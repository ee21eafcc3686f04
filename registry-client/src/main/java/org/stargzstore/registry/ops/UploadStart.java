package org.stargzstore.registry.ops;

import java.io.IOException;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.stargzstore.registry.errors.RegistryProtocolException;
import org.stargzstore.types.Digest;

/**
 * {@code POST /v2/NAME/blobs/uploads/}, optionally asking to mount {@code digest} from another
 * repository of the same registry ({@code ?mount=DIGEST&from=REPO}): 201 means mounted, 202
 * gives the upload URL.
 */
public final class UploadStart extends UploadStep<UploadSession> {
  private final String image;
  private final String repository;
  private final Digest digest;
  private final String mountFrom;

  /** @param mountFrom the repository path to mount from, or null */
  public UploadStart(String image, String repository, Digest digest, String mountFrom) {
    this.image = image;
    this.repository = repository;
    this.digest = digest;
    this.mountFrom = mountFrom;
  }

  @Override
  public String action() {
    return (mountFrom == null ? "starting upload of blob " : "mounting blob ") + digest
        + (mountFrom == null ? "" : " from " + mountFrom) + " to " + image;
  }

  @Override
  public Request.Builder request(HttpUrl base) {
    HttpUrl.Builder u = BlobUrls.uploads(base, repository).newBuilder();
    if (mountFrom != null) {
      u.addQueryParameter("mount", digest.toString()).addQueryParameter("from", mountFrom);
    }
    return new Request.Builder().url(u.build()).post(RequestBody.create(new byte[0], null));
  }

  @Override
  public boolean accepts(int status) {
    return status == 201 || status == 202;
  }

  @Override
  public UploadSession handle(Response r) throws IOException {
    String loc = r.header("Location");
    if (r.code() == 201) {
      return new UploadSession(true, null);
    }
    HttpUrl url = loc == null ? null : r.request().url().resolve(loc);
    if (url == null) {
      throw new RegistryProtocolException(action() + ": no upload Location in the answer");
    }
    return new UploadSession(false, url);
  }
}
