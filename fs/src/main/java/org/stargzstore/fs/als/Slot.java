package org.stargzstore.fs.als;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A value being computed (an image's resolution, a layer's opening), and when it was started: a
 * failure is kept for {@code failure_retry}, so podman's repeated lookups do not hammer a failing
 * registry, and tried again after that.
 */
record Slot<T>(CompletableFuture<T> future, long createdMillis) {

  static <T> Slot<T> started(CompletableFuture<T> future) {
    return new Slot<>(future, System.currentTimeMillis());
  }

  /** Still computing, done, or a failure younger than {@code retry}. */
  boolean reusable(Duration retry) {
    return !future.isCompletedExceptionally()
        || System.currentTimeMillis() - createdMillis < retry.toMillis();
  }

  /** The value, if it is computed and did not fail. */
  Optional<T> value() {
    return future.isDone() && !future.isCompletedExceptionally()
        ? Optional.of(future.join()) : Optional.empty();
  }
}
