package org.stargzstore.fs.als;

import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.stargzstore.types.Digest;

/**
 * Every "podman, pull this normally" in one place: counts it by reason (what {@code status} and
 * the metrics show), logs it once per reason and subject (podman asks again and again), and
 * remembers which layers were found not to be lazy so they are not opened again.
 */
final class FallbackLog {
  private static final Logger LOG = Logger.getLogger(LayerStore.class.getName());

  private final FallbackCounters counters = new FallbackCounters();
  private final ConcurrentHashMap<String, Boolean> logged = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Digest, NotLazyException> notLazy = new ConcurrentHashMap<>();

  FallbackCounters counters() {
    return counters;
  }

  /**
   * Counts a fallback and logs {@code message} (once per reason and {@code subject}); the
   * exception to answer podman with.
   */
  NotLazyException fallback(NotLazyException.Reason reason, String subject, String message,
      Throwable cause) {
    counters.increment(reason);
    if (logged.putIfAbsent(reason.code() + " " + subject, Boolean.TRUE) == null) {
      if (cause != null && !(cause instanceof IOException)) {
        LOG.log(Level.WARNING, message + " (podman pulls it normally)", cause);
      } else {
        LOG.warning(message + " (podman pulls it normally)");
      }
    }
    return new NotLazyException(reason, message, cause);
  }

  /** Counts a fallback that is not worth a log line (podman probing for a layer). */
  void countQuietly(NotLazyException.Reason reason) {
    counters.increment(reason);
  }

  /** Remembers that layer {@code digest} is not served lazily, and why. */
  void layerNotLazy(Digest digest, NotLazyException why) {
    notLazy.put(digest, why);
  }

  /** Why layer {@code digest} is not served lazily, if it was found not to be. */
  Optional<NotLazyException> whyNotLazy(Digest digest) {
    return Optional.ofNullable(notLazy.get(digest));
  }

  /** A failure's message for a fallback line (its class name if it has none). */
  static String messageOf(Throwable t) {
    if (t == null) {
      return "unknown error";
    }
    String m = t.getMessage();
    return m == null ? t.getClass().getSimpleName() : m;
  }
}
