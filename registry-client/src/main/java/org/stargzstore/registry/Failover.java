package org.stargzstore.registry;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.logging.Logger;
import org.stargzstore.registry.errors.Errors;
import org.stargzstore.registry.errors.RegistryConfigurationException;
import org.stargzstore.registry.errors.RegistryErrorKind;
import org.stargzstore.registry.errors.RegistryException;
import org.stargzstore.registry.http.Attempts;
import org.stargzstore.registry.http.Repository;

/**
 * Endpoint failover, the one place it is written: an image's sources in order (mirrors, then
 * the registry), and the move to the next when one fails in a way another source may not (any
 * error but a configuration error, which every source would meet). Manifests are resolved with
 * {@link #firstServing}, from the first source each time; a blob keeps an instance, whose move is
 * shared by every reader of the blob and never goes back, while other blobs of the image keep
 * their own sources (a mirror that lacks or fails one blob still serves the others). Each
 * source gets its own tries; a source that is down or hung is left at once when another is
 * there ({@link Attempts#movesOn}). No move once the read's deadline has passed: the next
 * source would have no time either. Thread-safe.
 */
final class Failover {
  private static final Logger LOG = Logger.getLogger(Failover.class.getName());

  /** One try of something at one source. */
  interface AtLocation<T> {
    T run(Repository loc) throws RegistryException;
  }

  /** One try of something at source number {@code index} of an image's sources. */
  interface AtSource<S, T> {
    T run(S source, int index) throws RegistryException;
  }

  /**
   * Runs {@code op} at each of {@code sources} in order until one serves; a failure another
   * source would meet too ends it at once.
   *
   * @param what what is done ("resolving REF"), for the INFO line before the next source is
   *     tried and for the error once every source failed, which lists each source's failure
   * @throws RegistryException the only source's error as it is, or (several sources) one of the
   *     last failure's type saying what each source answered
   */
  static <S, T> T firstServing(List<S> sources, String what, AtSource<S, T> op)
      throws RegistryException {
    List<String> failures = new ArrayList<>();
    RegistryException last = null;
    for (int i = 0; i < sources.size(); i++) {
      S src = sources.get(i);
      try {
        return op.run(src, i);
      } catch (RegistryException e) {
        if (!sourceSpecific(e)) {
          throw e;
        }
        failures.add(src + ": " + e.getMessage());
        last = e;
        if (i + 1 < sources.size()) {
          LOG.info(() -> what + " from " + src + " failed (" + e.getMessage()
              + "); trying the next source");
        }
      }
    }
    if (last == null) {
      throw new RegistryConfigurationException(what + ": no source to try");
    }
    if (sources.size() == 1) {
      throw last;
    }
    throw Errors.withMessage(last, what + " failed on every source: "
        + String.join("; ", failures));
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
      if (attempts != null) {
        attempts.otherSourceLeft(hasNext(loc));
      }
      try {
        return op.run(loc);
      } catch (RegistryException e) {
        if (!moveOn(loc, explain.apply(e, loc), attempts)) {
          throw e;
        }
      }
    }
  }

  /** The source after {@code loc}, or null if it is the last. */
  Repository after(Repository loc) {
    int i = locations.indexOf(loc);
    return i >= 0 && i + 1 < locations.size() ? locations.get(i + 1) : null;
  }

  /** True if {@code loc} has another source after it. */
  boolean hasNext(Repository loc) {
    return locations.indexOf(loc) + 1 < locations.size();
  }

  /**
   * After a read from {@code failed} ended with {@code e} part-way (its answer had begun, so
   * {@link #run} did not see it): moves to the next source if {@code e} may be specific to this
   * one, one is left and so is time; {@code attempts} (nullable) then starts afresh. False if the
   * read must end with {@code e}.
   */
  boolean moveOn(Repository failed, RegistryException e, Attempts attempts) {
    if (attempts != null && attempts.deadline().nanosLeft() <= 0) {
      return false;
    }
    if (!moveOn(failed, e)) {
      return false;
    }
    if (attempts != null) {
      attempts.restart();
    }
    return true;
  }

  /**
   * True for failures another source may not have: all but configuration errors (a digest
   * mismatch too: another source may serve the right bytes).
   */
  static boolean sourceSpecific(RegistryException e) {
    return e.kind() != RegistryErrorKind.CONFIGURATION;
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
    Repository next = current();
    LOG.warning(() -> subject + " from " + failed + ": " + e.getMessage() + "; trying " + next
        + ", the next source, for this blob");
    return true;
  }
}
