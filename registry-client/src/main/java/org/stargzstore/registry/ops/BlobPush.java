package org.stargzstore.registry.ops;

import java.time.Duration;
import java.util.OptionalLong;
import java.util.logging.Logger;
import okhttp3.HttpUrl;
import org.stargzstore.registry.BlobContent;
import org.stargzstore.registry.PushResult;
import org.stargzstore.registry.errors.RegistryErrorKind;
import org.stargzstore.registry.errors.RegistryException;
import org.stargzstore.registry.http.EndpointCaller;
import org.stargzstore.registry.http.Repository;

/**
 * Pushes one blob: skips it if the repository has it, tries a cross-repository mount if a source
 * repository is given, else uploads it in one PUT or in PATCH chunks. A failed chunked upload is
 * restarted from scratch (a partial upload cannot be trusted), within the retry policy.
 */
public final class BlobPush {
  private static final Logger LOG = Logger.getLogger(BlobPush.class.getName());
  private final EndpointCaller caller;
  private final Duration timeout;

  public BlobPush(EndpointCaller caller, Duration timeout) {
    this.caller = caller;
    this.timeout = timeout;
  }

  /**
   * @param mountFrom repository path on the same registry to mount from, or null
   * @param chunkSize bytes per PATCH, 0 for a monolithic upload
   */
  public PushResult push(Repository repo, BlobContent content, String mountFrom, long chunkSize)
      throws RegistryException {
    String image = repo.reference().name();
    OptionalLong existing = caller.call(repo, new BlobHead(image, repo.path(), content.digest()),
        timeout);
    if (existing.isPresent() && existing.getAsLong() == content.size()) {
      return PushResult.EXISTS;
    }
    int attempt = 1;
    while (true) {
      try {
        return upload(repo, image, content, mountFrom, chunkSize);
      } catch (RegistryException e) {
        boolean transientKind = e.kind() == RegistryErrorKind.NETWORK
            || e.kind() == RegistryErrorKind.SERVER;
        if (!transientKind || attempt >= caller.policy().maxAttempts()) {
          throw e;
        }
        int n = attempt;
        LOG.fine(() -> "restarting upload of " + content.digest() + " to " + image
            + " after: " + e.getMessage() + " (attempt " + n + ")");
        caller.stats().onRetry();
        attempt++;
      }
    }
  }

  private PushResult upload(Repository repo, String image, BlobContent content, String mountFrom,
      long chunkSize) throws RegistryException {
    UploadSession s = caller.call(repo,
        new UploadStart(image, repo.path(), content.digest(), mountFrom), timeout);
    if (s.mounted()) {
      return PushResult.MOUNTED;
    }
    HttpUrl location = s.location();
    if (chunkSize <= 0 || content.size() <= chunkSize) {
      caller.call(repo, new UploadFinish(image, location, content, true), timeout);
      return PushResult.UPLOADED;
    }
    for (long off = 0; off < content.size(); off += chunkSize) {
      long len = Math.min(chunkSize, content.size() - off);
      location = caller.call(repo, new UploadChunk(image, location, content, off, len), timeout);
    }
    caller.call(repo, new UploadFinish(image, location, content, false), timeout);
    return PushResult.UPLOADED;
  }
}
