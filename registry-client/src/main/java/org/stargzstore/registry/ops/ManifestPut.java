package org.stargzstore.registry.ops;

import java.io.IOException;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.stargzstore.registry.ImageReference;
import org.stargzstore.registry.errors.RegistryDigestMismatchException;
import org.stargzstore.registry.http.RegistryOperation;
import org.stargzstore.types.Digest;

/**
 * {@code PUT /v2/NAME/manifests/REF} with the manifest bytes and their media type. Returns the
 * digest of the bytes; a different {@code Docker-Content-Digest} in the answer is an error.
 */
public final class ManifestPut implements RegistryOperation<Digest> {
  private final ImageReference ref;
  private final byte[] bytes;
  private final String mediaType;

  public ManifestPut(ImageReference ref, byte[] bytes, String mediaType) {
    this.ref = ref;
    this.bytes = bytes.clone();
    this.mediaType = mediaType;
  }

  @Override
  public String action() {
    return "pushing manifest " + ref;
  }

  @Override
  public Request.Builder request(HttpUrl base) {
    HttpUrl url = base.newBuilder().addPathSegment("v2").addPathSegments(ref.repository())
        .addPathSegment("manifests").addPathSegment(ref.manifestReference()).build();
    return new Request.Builder().url(url).put(RequestBody.create(bytes, MediaType.get(mediaType)));
  }

  @Override
  public boolean accepts(int status) {
    return status == 201 || status == 200;
  }

  @Override
  public boolean followRedirects() {
    return false;
  }

  @Override
  public Digest handle(Response r) throws IOException {
    Digest d = Digest.of(bytes);
    String header = r.header("Docker-Content-Digest");
    if (header != null && !header.equals(d.toString())) {
      throw new RegistryDigestMismatchException(action(), d.toString(), header);
    }
    return d;
  }
}
