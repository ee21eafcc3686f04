package org.stargzstore.registry.ops;

import java.time.Duration;
import java.util.OptionalLong;
import java.util.logging.Logger;
import okhttp3.HttpUrl;
import org.stargzstore.registry.BlobContent;
import org.stargzstore.registry.PushResult;
import org.stargzstore.registry.errors.RegistryErrorKind;
import org.stargzstore.registry.errors.RegistryException;
import org.stargzstore.registry.http.Attempts;
import org.stargzstore.registry.http.EndpointCaller;
import org.stargzstore.registry.http.Repository;

/**
 * Pushes one blob: skips it if the repository has it, tries a cross-repository mount if a source
 * repository is given, else uploads it in one PUT or in PATCH chunks. A failed upload is
 * restarted from scratch (a partial upload cannot be trusted). The upload's requests and its
 * restarts share one {@link Attempts}: at most {@code maxAttempts} tries in all, each step
 * within the call timeout.
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
    Attempts attempts = caller.attempts(null);
    while (true) {
      try {
        return upload(repo, image, content, mountFrom, chunkSize, attempts);
      } catch (RegistryException e) {
        boolean transientKind = e.kind() == RegistryErrorKind.NETWORK
            || e.kind() == RegistryErrorKind.SERVER;
        if (!transientKind || !next(attempts, e)) {
          throw e;
        }
        LOG.fine(() -> "restarted upload of " + content.digest() + " to " + image
            + " after: " + e.getMessage() + " (attempt " + attempts.attempt() + ")");
      }
    }
  }

  private static boolean next(Attempts attempts, RegistryException e) throws RegistryException {
    try {
      return attempts.next(e.getMessage());
    } catch (java.io.InterruptedIOException interrupted) {
      throw e;
    }
  }

  private PushResult upload(Repository repo, String image, BlobContent content, String mountFrom,
      long chunkSize, Attempts attempts) throws RegistryException {
    UploadSession s = caller.call(repo,
        new UploadStart(image, repo.path(), content.digest(), mountFrom), step(attempts));
    if (s.mounted()) {
      return PushResult.MOUNTED;
    }
    HttpUrl location = s.location();
    if (chunkSize <= 0 || content.size() <= chunkSize) {
      caller.call(repo, new UploadFinish(image, location, content, true), step(attempts));
      return PushResult.UPLOADED;
    }
    for (long off = 0; off < content.size(); off += chunkSize) {
      long len = Math.min(chunkSize, content.size() - off);
      location = caller.call(repo, new UploadChunk(image, location, content, off, len),
          step(attempts));
    }
    caller.call(repo, new UploadFinish(image, location, content, false), step(attempts));
    return PushResult.UPLOADED;
  }

  /** One step of the upload: its own call timeout, the upload's tries. */
  private Attempts step(Attempts attempts) {
    return attempts.withTimeout(timeout);
  }
}
