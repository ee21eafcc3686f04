package org.stargzstore.fs.als;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.logging.Logger;
import org.stargzstore.fs.store.ContentDigestMismatchException;
import org.stargzstore.fs.store.ContentStore;
import org.stargzstore.fs.store.CorruptContentException;
import org.stargzstore.types.Digest;

/**
 * The whole compressed blobs that layers' {@code blob} files serve. Unlike {@code diff/}, the
 * blob file has no TOC digest per piece to check a range against, and a registry may serve
 * altered bytes: so a blob is downloaded whole once (streamed into the content store, hashed on
 * the way, never held in memory) and served only once it hashes to the layer digest from the
 * manifest. It is stored under that digest, so a blob already stored (by an earlier run, or for
 * another image sharing the layer) is served without the network, and the collector keeps it
 * while its layer is in use.
 *
 * <p>Concurrent readers wait for one download. A failed one is not kept: it is remembered for
 * {@code failureRetry} (reads in that time fail at once rather than each download the blob
 * again), then the next read tries again.
 */
final class VerifiedBlobs {
  private static final Logger LOG = Logger.getLogger(VerifiedBlobs.class.getName());

  private final ContentStore store;
  private final Duration failureRetry;
  private final ConcurrentHashMap<Digest, Attempt> attempts = new ConcurrentHashMap<>();

  /** A download (or check of the stored copy) in progress, or one that failed at a time. */
  private record Attempt(CompletableFuture<Void> done, long failedAtMillis) {
    boolean worthWaitingFor(Duration retry) {
      return !done.isCompletedExceptionally()
          || System.currentTimeMillis() - failedAtMillis < retry.toMillis();
    }
  }

  VerifiedBlobs(ContentStore store, Duration failureRetry) {
    this.store = store;
    this.failureRetry = failureRetry;
  }

  /**
   * Reads {@code layer}'s verified blob from {@code offset} into {@code dst}, downloading it
   * first if it is not stored; returns the bytes read (0 at the end).
   *
   * @throws IOException if the blob cannot be downloaded or does not match the layer digest
   */
  int read(MountedLayer layer, long offset, ByteBuffer dst) throws IOException {
    for (int attempt = 1; ; attempt++) {
      ensureStored(layer);
      try {
        return Math.max(0, store.read(layer.digest(), offset, dst));
      } catch (NoSuchFileException | CorruptContentException e) {
        // collected or damaged between the check and this read: fetch it once more
        if (attempt == 2) {
          throw e;
        }
      }
    }
  }

  /** Returns once {@code layer}'s blob is stored and verified; throws why it is not. */
  void ensureStored(MountedLayer layer) throws IOException {
    Digest d = layer.digest();
    if (store.isVerified(d)) {
      return;
    }
    Attempt[] started = new Attempt[1];
    Attempt current = attempts.compute(d, (k, cur) -> {
      if (cur != null && cur.worthWaitingFor(failureRetry)) {
        return cur;
      }
      started[0] = new Attempt(new CompletableFuture<>(), 0);
      return started[0];
    });
    if (current == started[0]) {
      run(layer, current);
    }
    await(current, d);
  }

  private void run(MountedLayer layer, Attempt attempt) {
    Digest d = layer.digest();
    try {
      if (!store.verifyStored(d)) {
        download(layer);
      }
      attempts.remove(d, attempt);
      attempt.done().complete(null);
    } catch (Throwable t) {
      attempts.replace(d, attempt, new Attempt(attempt.done(), System.currentTimeMillis()));
      attempt.done().completeExceptionally(t);
    }
  }

  private void download(MountedLayer layer) throws IOException {
    Digest d = layer.digest();
    long size = layer.descriptor().size() > 0 ? layer.descriptor().size() : layer.blob().size();
    long t0 = System.nanoTime();
    CountingStream counted = null;
    try (InputStream in = layer.blob().openStream(0, size)) {
      counted = new CountingStream(in);
      store.putStream(d, counted, layer.blob().describe());
    } catch (ContentDigestMismatchException e) {
      LOG.severe(() -> "NOT serving the blob file of layer " + d + ": the registry's blob ("
          + layer.blob().describe() + ") hashes to " + e.actual() + ", not to the layer digest "
          + e.expected() + " from the manifest; nothing stored, reads fail with EIO (the next"
          + " read after " + failureRetry.toSeconds() + " s downloads it again)");
      throw e;
    } catch (IOException e) {
      LOG.warning(() -> "cannot download the blob of layer " + d + " for its blob file ("
          + layer.blob().describe() + "): " + e.getMessage() + "; nothing stored");
      throw e;
    } finally {
      if (counted != null) {
        layer.fetcher().stats().countBlobFileDownload(counted.count);
      }
    }
    long ms = (System.nanoTime() - t0) / 1_000_000;
    LOG.info(() -> "downloaded the blob of layer " + d + " for its blob file: " + size
        + " bytes in " + ms + " ms, verified and stored");
  }

  private static void await(Attempt attempt, Digest d) throws IOException {
    try {
      attempt.done().get();
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof IOException io) {
        throw io;
      }
      throw new IOException("downloading the blob of layer " + d + " failed: " + c, c);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the blob of layer " + d);
    }
  }

  /** Counts the bytes that went through, for the fetch statistics. */
  private static final class CountingStream extends FilterInputStream {
    long count;

    CountingStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        count += n;
      }
      return n;
    }
  }
}
