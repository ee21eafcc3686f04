package org.stargzstore.registry.ops;

import java.io.IOException;
import java.util.Optional;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.Response;
import org.stargzstore.registry.ImageReference;
import org.stargzstore.registry.http.Bodies;
import org.stargzstore.registry.http.RegistryOperation;
import org.stargzstore.registry.manifest.MediaTypes;
import org.stargzstore.types.Digest;

/**
 * {@code GET /v2/NAME/referrers/DIGEST} (OCI distribution 1.1), optionally filtered by
 * {@code artifactType}: the image index of the manifests whose {@code subject} is
 * {@code DIGEST}. Empty when the registry has no referrers API (404), so the caller can read the
 * referrers tag ({@code sha256-HEX}) instead. At most 4 MiB is read, as for a manifest.
 */
public final class ReferrersPull implements RegistryOperation<Optional<byte[]>> {
  private final ImageReference repo;
  private final Digest subject;
  private final String artifactType;

  public ReferrersPull(ImageReference repo, Digest subject, String artifactType) {
    this.repo = repo;
    this.subject = subject;
    this.artifactType = artifactType;
  }

  @Override
  public String action() {
    return "listing referrers of " + repo.name() + "@" + subject;
  }

  @Override
  public Request.Builder request(HttpUrl base) {
    HttpUrl.Builder url = base.newBuilder().addPathSegment("v2")
        .addPathSegments(repo.repository()).addPathSegment("referrers")
        .addPathSegment(subject.toString());
    if (artifactType != null) {
      url.addQueryParameter("artifactType", artifactType);
    }
    return new Request.Builder().url(url.build()).header("Accept", MediaTypes.OCI_INDEX).get();
  }

  @Override
  public boolean accepts(int status) {
    return status == 404 || (status >= 200 && status < 300);
  }

  @Override
  public Optional<byte[]> handle(Response r) throws IOException {
    if (r.code() == 404) {
      return Optional.empty();
    }
    return Optional.of(Bodies.readLimited(r.body(), ManifestPull.MAX_MANIFEST, action()));
  }
}
