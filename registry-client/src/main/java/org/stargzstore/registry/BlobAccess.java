package org.stargzstore.registry;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Logger;
import okhttp3.HttpUrl;
import okhttp3.Response;
import org.stargzstore.registry.errors.RegistryException;
import org.stargzstore.registry.http.Attempts;
import org.stargzstore.registry.http.EndpointCaller;
import org.stargzstore.registry.http.ErrorDecoder;
import org.stargzstore.registry.http.Repository;
import org.stargzstore.registry.ops.BlobGet;
import org.stargzstore.types.concurrent.DaemonThreadFactory;

/**
 * What every {@link RegistryBlob} of one client shares: the endpoint caller, the counters, the
 * storage URLs registries redirected blob reads to (reused until they expire or are refused),
 * and what was learnt about each host's range support.
 */
final class BlobAccess {
  private static final Logger LOG = Logger.getLogger(BlobAccess.class.getName());
  private static final int MAX_CACHED_REDIRECTS = 4096;

  private final EndpointCaller caller;
  private final ReadCoalescer.Limits coalescing;
  private final ExecutorService batchExecutor = Executors.newCachedThreadPool(
      DaemonThreadFactory.named("registry-read-batch"));
  private final Duration defaultTimeout;
  private final Duration redirectTtl;
  private final Clock clock;
  private final Map<String, CachedUrl> redirects = new ConcurrentHashMap<>();
  private final Set<String> multiRangeRefused = ConcurrentHashMap.newKeySet();
  private final Set<String> rangeIgnored = ConcurrentHashMap.newKeySet();
  private final BlobSpools spools;
  private final CacheFills cacheFills;

  private record CachedUrl(HttpUrl url, Instant until) {}

  BlobAccess(EndpointCaller caller, Duration defaultTimeout, Duration redirectTtl, Clock clock,
      ReadCoalescer.Limits coalescing, BlobSpools spools, CacheFills cacheFills) {
    this.caller = caller;
    this.spools = spools;
    this.cacheFills = cacheFills;
    this.coalescing = coalescing;
    this.defaultTimeout = defaultTimeout;
    this.redirectTtl = redirectTtl;
    this.clock = clock;
  }

  ReadCoalescer.Limits coalescing() {
    return coalescing;
  }

  /** Runs merged reads (the threads that wait for them only wait). */
  Executor batchExecutor() {
    return batchExecutor;
  }

  void close() {
    batchExecutor.shutdown();
    spools.close();
    cacheFills.close();
  }

  /** The blobs mirrors are filling, which reads wait for (see {@link RangeIgnoredByMirror}). */
  CacheFills cacheFills() {
    return cacheFills;
  }

  /** The blobs being (or just) spooled because their source ignored {@code Range}. */
  BlobSpools spools() {
    return spools;
  }

  EndpointCaller caller() {
    return caller;
  }

  RegistryStats stats() {
    return caller.stats();
  }

  Duration defaultTimeout() {
    return defaultTimeout;
  }

  /** The tries of one read that must end within {@code timeout} (null: none). */
  Attempts attempts(Duration timeout) {
    return caller.attempts(timeout);
  }

  /**
   * Opens a GET of {@code range} on the blob at {@code loc}: through a remembered storage URL if
   * there is a fresh one (dropped if storage refuses it: expired signature), else through the
   * registry, remembering where it redirected to.
   */
  Response openRange(RegistryBlob blob, Repository loc, String range, String what,
      Attempts attempts) throws RegistryException {
    String key = loc.reference().name() + "@" + blob.digest();
    CachedUrl cached = redirects.get(key);
    String action = "reading " + what + " of " + blob.describe();
    if (cached != null && clock.instant().isBefore(cached.until())) {
      Response r = caller.openDirect(BlobGet.request(cached.url(), range).build(), attempts,
          action);
      if (r.code() == 200 || r.code() == 206) {
        return r;
      }
      int code = r.code();
      if (code == 400 || code == 401 || code == 403 || code == 404 || code == 410) {
        r.close();
        redirects.remove(key, cached);
        LOG.fine(() -> action + ": storage URL refused with HTTP " + code
            + " (expired?); asking the registry again");
      } else {
        RegistryException e = ErrorDecoder.decode(r, action, "");
        r.close();
        throw e;
      }
    }
    Response r = caller.open(loc, new BlobGet(blob.image(), loc.path(), blob.digest(), range,
        what), attempts);
    HttpUrl finalUrl = r.request().url();
    if (!EndpointCaller.hostPort(finalUrl).equals(loc.host().hostPort())) {
      if (redirects.size() > MAX_CACHED_REDIRECTS) {
        redirects.clear();
      }
      redirects.put(key, new CachedUrl(finalUrl, clock.instant().plus(redirectTtl)));
    }
    return r;
  }

  boolean multiRangeAllowed(String hostPort) {
    return !multiRangeRefused.contains(hostPort);
  }

  void noteMultiRangeRefused(String hostPort, String why) {
    if (multiRangeRefused.add(hostPort)) {
      LOG.info(() -> "registry " + hostPort + " does not serve several ranges in one request ("
          + why + "); reading one range per request from now on");
    }
  }

  /**
   * A mirror with another source after it sent a whole blob for a range request, and the policy
   * is to wait for its cache: logged once per host.
   */
  void noteMirrorFilling(String hostPort) {
    if (rangeIgnored.add(hostPort)) {
      LOG.warning(() -> "registry " + hostPort + " ignores Range requests and sends whole blobs"
          + " (a pull-through cache that does not hold the blob yet?); each such answer is"
          + " closed at once and reads of the blob wait until it answers a range, or read from"
          + " the next source");
    }
  }

  void noteRangeIgnored(String hostPort) {
    if (rangeIgnored.add(hostPort)) {
      LOG.warning(() -> "registry " + hostPort + " ignores Range requests and sends whole blobs;"
          + (spools.enabled() ? " each such blob is spooled to disk once and read from there"
              : " lazy reads from it transfer every byte before the wanted range"));
    }
  }
}
