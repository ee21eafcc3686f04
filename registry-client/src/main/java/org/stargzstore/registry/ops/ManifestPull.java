package org.stargzstore.registry.ops;

import java.io.IOException;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.stargzstore.registry.ImageReference;
import org.stargzstore.registry.ManifestResponse;
import org.stargzstore.registry.errors.RegistryDigestMismatchException;
import org.stargzstore.registry.errors.RegistryProtocolException;
import org.stargzstore.registry.http.Bodies;
import org.stargzstore.registry.http.RegistryOperation;
import org.stargzstore.registry.manifest.MediaTypes;
import org.stargzstore.types.Digest;

/**
 * {@code GET /v2/NAME/manifests/REF} accepting OCI and Docker manifests and indexes. The bytes
 * are verified: against the digest when pulled by digest, else against
 * {@code Docker-Content-Digest} if the registry sent one. At most 4 MiB is read, as
 * containers/image allows.
 */
public final class ManifestPull implements RegistryOperation<ManifestResponse> {
  static final long MAX_MANIFEST = 4 << 20;
  private final ImageReference ref;

  public ManifestPull(ImageReference ref) {
    this.ref = ref;
  }

  @Override
  public String action() {
    return "pulling manifest " + ref;
  }

  @Override
  public Request.Builder request(HttpUrl base) {
    return new Request.Builder()
        .url(base.newBuilder().addPathSegment("v2").addPathSegments(ref.repository())
            .addPathSegment("manifests").addPathSegment(ref.manifestReference()).build())
        .header("Accept", String.join(", ", MediaTypes.ACCEPTED_MANIFESTS))
        .get();
  }

  @Override
  public ManifestResponse handle(Response r) throws IOException {
    byte[] bytes = Bodies.readLimited(r.body(), MAX_MANIFEST, action());
    Digest actual = Digest.of(bytes);
    if (ref.digest() != null && !ref.digest().equals(actual)) {
      throw new RegistryDigestMismatchException(action(), ref.digest().toString(),
          actual.toString());
    }
    String header = r.header("Docker-Content-Digest");
    if (ref.digest() == null && header != null && Digest.isValid(header)
        && !Digest.parse(header).equals(actual)) {
      throw new RegistryDigestMismatchException(action() + " (Docker-Content-Digest)", header,
          actual.toString());
    }
    ResponseBody body = r.body();
    String contentType = body != null && body.contentType() != null
        ? body.contentType().type() + "/" + body.contentType().subtype() : r.header("Content-Type");
    if (bytes.length == 0) {
      throw new RegistryProtocolException(action() + ": empty manifest");
    }
    return new ManifestResponse(ref, bytes, contentType, actual);
  }
}
