package org.stargzstore.registry.ops;

import okhttp3.HttpUrl;
import org.stargzstore.types.Digest;

/** The distribution API's blob routes. */
public final class BlobUrls {
  private BlobUrls() {}

  /** {@code /v2/NAME/blobs/DIGEST}. */
  public static HttpUrl blob(HttpUrl base, String repository, Digest digest) {
    return base.newBuilder().addPathSegment("v2").addPathSegments(repository)
        .addPathSegment("blobs").addPathSegment(digest.toString()).build();
  }

  /** {@code /v2/NAME/blobs/uploads/}. */
  public static HttpUrl uploads(HttpUrl base, String repository) {
    return base.newBuilder().addPathSegment("v2").addPathSegments(repository)
        .addPathSegment("blobs").addPathSegment("uploads").addPathSegment("").build();
  }
}
