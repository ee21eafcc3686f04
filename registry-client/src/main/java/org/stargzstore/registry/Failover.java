package org.stargzstore.registry;

import java.util.List;
import java.util.function.BiFunction;
import java.util.logging.Logger;
import org.stargzstore.registry.errors.RegistryErrorKind;
import org.stargzstore.registry.errors.RegistryException;
import org.stargzstore.registry.http.Attempts;
import org.stargzstore.registry.http.Repository;

/**
 * Where one blob is read from: its image's sources in order (mirrors, then the registry), the
 * one in use, and the move to the next when the one in use fails in a way another source may
 * not (not found, network, server; not a digest mismatch or a configuration error). The move is
 * shared by every reader of the blob and never goes back. Each source gets its own tries.
 * Thread-safe.
 */
final class Failover {
  private static final Logger LOG = Logger.getLogger(Failover.class.getName());

  /** One try of something at one source. */
  interface AtLocation<T> {
    T run(Repository loc) throws RegistryException;
  }

  private final String subject;
  private final List<Repository> locations;
  private volatile int current;

  /** @param subject what is read, for the WARNING on a move ("blob sha256:… of IMAGE") */
  Failover(String subject, List<Repository> locations) {
    if (locations.isEmpty()) {
      throw new IllegalArgumentException("a blob needs at least one location");
    }
    this.subject = subject;
    this.locations = List.copyOf(locations);
  }

  /** The source reads go to now. */
  Repository current() {
    return locations.get(current);
  }

  /**
   * Runs {@code op} at the source in use, moving on to the next while it fails with an error
   * specific to a source; {@code attempts} (nullable) starts afresh at each. {@code explain}
   * turns a failure into what the move's WARNING says (a stall says for how long).
   *
   * @throws RegistryException the last failure, as {@code op} threw it, once no source is left
   */
  <T> T run(AtLocation<T> op, BiFunction<RegistryException, Repository, RegistryException> explain,
      Attempts attempts) throws RegistryException {
    while (true) {
      Repository loc = current();
      try {
        return op.run(loc);
      } catch (RegistryException e) {
        if (!moveOn(loc, explain.apply(e, loc))) {
          throw e;
        }
        if (attempts != null) {
          attempts.restart();
        }
      }
    }
  }

  /** True for failures another source may not have. */
  static boolean sourceSpecific(RegistryException e) {
    return e.kind() != RegistryErrorKind.DIGEST_MISMATCH
        && e.kind() != RegistryErrorKind.CONFIGURATION;
  }

  /** Moves to the next source if the error may be specific to this one; false if none left. */
  private boolean moveOn(Repository failed, RegistryException e) {
    if (!sourceSpecific(e)) {
      return false;
    }
    synchronized (this) {
      int idx = locations.indexOf(failed);
      if (idx != current) {
        return true; // another reader already moved on
      }
      if (idx + 1 >= locations.size()) {
        return false;
      }
      current = idx + 1;
    }
    LOG.warning(() -> subject + ": " + e.getMessage() + "; trying " + current());
    return true;
  }
}
