package org.stargzstore.registry;

/**
 * How to push a blob.
 *
 * @param mountFrom a repository of the same registry that may already hold the blob (tried with
 *     a cross-repository mount first), or null
 * @param chunkSize upload in chunks of this many bytes ({@code PATCH}), or 0 for one
 *     monolithic {@code PUT}
 */
public record PushOptions(ImageReference mountFrom, long chunkSize) {

  public static PushOptions monolithic() {
    return new PushOptions(null, 0);
  }

  public static PushOptions chunked(long chunkSize) {
    return new PushOptions(null, chunkSize);
  }

  public PushOptions mountingFrom(ImageReference repo) {
    return new PushOptions(repo, chunkSize);
  }
}
