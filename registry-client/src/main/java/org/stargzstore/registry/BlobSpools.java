package org.stargzstore.registry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import okhttp3.Response;
import org.stargzstore.registry.http.Attempts;
import org.stargzstore.registry.http.EndpointCaller;
import org.stargzstore.types.Digest;
import org.stargzstore.types.concurrent.DaemonThreadFactory;

/**
 * The client's {@link BlobSpool}s, one per blob at most, in one directory: a blob whose source
 * answered a range request with the whole blob is spooled there once, and reads of it are served
 * from the spool until it has been complete and unused for {@code idleExpiry}; then it is deleted,
 * so the next read asks for a range again (a pull-through cache serves ranges once it holds the
 * blob). Per blob, not per host. Leftovers of an earlier process are deleted when made. Without
 * a directory, spooling is off (every range read of such a source costs the blob up to the
 * range, as before). Thread-safe.
 */
final class BlobSpools implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(BlobSpools.class.getName());

  private final Path dir;
  private final Duration idleExpiry;
  private final RegistryStats stats;
  private final Map<Digest, BlobSpool> spools = new ConcurrentHashMap<>();
  private final ExecutorService pumps = Executors.newCachedThreadPool(
      DaemonThreadFactory.named("registry-blob-spool"));
  private final ScheduledExecutorService sweeper;

  /** @param dir the spool directory (created; emptied), or null for no spooling */
  BlobSpools(Path dir, Duration idleExpiry, RegistryStats stats) {
    this.dir = dir;
    this.idleExpiry = idleExpiry;
    this.stats = stats;
    if (dir == null) {
      sweeper = null;
      return;
    }
    clean(dir);
    sweeper = Executors.newSingleThreadScheduledExecutor(
        DaemonThreadFactory.named("registry-spool-expiry"));
    long period = Math.max(50, Math.min(idleExpiry.toMillis() / 2, 30_000));
    sweeper.scheduleWithFixedDelay(this::expireIdle, period, period, TimeUnit.MILLISECONDS);
  }

  boolean enabled() {
    return dir != null;
  }

  /** The blob's spool if it has a live one (failed and expired spools are gone). */
  BlobSpool live(Digest blob) {
    if (dir == null) {
      return null;
    }
    BlobSpool s = spools.get(blob);
    if (s == null || !s.live()) {
      return null;
    }
    s.touch();
    return s;
  }

  /**
   * Takes {@code whole}, a 200 with the whole blob answering a range request, as the blob's
   * spool and starts streaming it to disk; if the blob has a live spool already, closes
   * {@code whole} at once and returns that one. Null if spooling is off ({@code whole} is left to
   * the caller).
   *
   * @param reopen opens the blob again from an offset, to resume a transfer cut off part-way
   * @param attempts the tries the transfer's resumes draw on
   */
  BlobSpool adopt(RegistryBlob blob, long size, Response whole, String host,
      BlobSpool.Reopener reopen, Attempts attempts) throws IOException {
    if (dir == null) {
      return null;
    }
    BlobSpool created;
    synchronized (this) {
      BlobSpool s = spools.get(blob.digest());
      if (s != null && s.live()) {
        whole.close();
        s.touch();
        return s;
      }
      Path file;
      try {
        createPrivateDirectory(dir);
        file = Files.createTempFile(dir, blob.digest().hex().substring(0, 16) + "-", ".spool");
      } catch (IOException e) {
        whole.close();
        throw new IOException("cannot spool " + blob.describe() + " (registry " + host
            + " ignores Range) in " + dir + ": " + e.getMessage(), e);
      }
      created = new BlobSpool(blob.describe(), file, size, stats);
      spools.put(blob.digest(), created);
    }
    stats.onSpoolStarted();
    LOG.info(() -> "registry " + host + " sent all " + size + " bytes of " + blob.describe()
        + " for a range request; spooling them to " + created.file() + " and serving every"
        + " read of the blob from there");
    EndpointCaller.outliveDeadline(whole);
    pumps.execute(() -> {
      try {
        created.pump(whole, reopen, attempts);
      } finally {
        if (!created.live()) {
          spools.remove(blob.digest(), created);
        }
      }
    });
    return created;
  }

  private void expireIdle() {
    long idle = idleExpiry.toNanos();
    spools.forEach((digest, s) -> {
      if (s.retireIfIdle(idle)) {
        spools.remove(digest, s);
        LOG.fine(() -> "deleted the spool " + s.file() + " of blob " + digest + ": unused for "
            + idleExpiry.toMillis() + " ms; its next read asks for a range again");
      } else if (!s.live()) {
        spools.remove(digest, s);
      }
    });
  }

  /** Stops the transfers and deletes every spool. */
  @Override
  public void close() {
    if (sweeper != null) {
      sweeper.shutdownNow();
    }
    spools.values().forEach(BlobSpool::retire); // closes transfers still running
    spools.clear();
    pumps.shutdownNow();
  }

  /** The directory, rwx------ if made here: spools hold blobs of possibly private images. */
  private static void createPrivateDirectory(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      return;
    }
    if (dir.getParent() != null) {
      Files.createDirectories(dir.getParent());
    }
    try {
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(
          PosixFilePermissions.fromString("rwx------")));
    } catch (UnsupportedOperationException e) {
      Files.createDirectories(dir);
    } catch (java.nio.file.FileAlreadyExistsException e) {
      // made concurrently
    }
  }

  private static void clean(Path dir) {
    try {
      createPrivateDirectory(dir);
      int removed = 0;
      try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.spool")) {
        for (Path p : s) {
          Files.deleteIfExists(p);
          removed++;
        }
      }
      if (removed > 0) {
        int n = removed;
        LOG.info(() -> "removed " + n + " spool files left in " + dir);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("preparing the blob spool directory " + dir + ": "
          + e.getMessage(), e);
    }
  }
}
