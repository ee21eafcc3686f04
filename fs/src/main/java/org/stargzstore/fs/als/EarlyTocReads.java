package org.stargzstore.fs.als;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.logging.Logger;
import org.stargzstore.fs.fetch.BlobSource;
import org.stargzstore.fs.fetch.SpooledPrefix;
import org.stargzstore.types.Digest;
import org.stargzstore.types.LayerDescriptor;

/**
 * TOC reads started as soon as an image's manifest is in, while its config is still on the way:
 * on a link with 50 ms round trips the config is one of the serial steps podman's first lookup
 * waits on, and the TOCs need only the manifest. The layer's opening later takes the read
 * (its blob and TOC) instead of starting one; a read that failed is simply done again there,
 * so this only ever saves time.
 */
final class EarlyTocReads {
  private static final Logger LOG = Logger.getLogger(EarlyTocReads.class.getName());

  /**
   * A layer's blob and its TOC, read before the layer was opened, and when the read began and
   * ended (epoch ms).
   */
  record Read(BlobSource blob, CachingLayerOpener.Opened opened, long requestedAt,
      long loadedAt) {}

  private final CachingLayerOpener opener;
  private final Executor executor;
  private final SpooledPrefix.Wrapper prefixes;
  private final ConcurrentHashMap<Digest, CompletableFuture<Read>> reads =
      new ConcurrentHashMap<>();

  /** @param prefixes wraps each blob opened for its TOC (the prefix asked for with it) */
  EarlyTocReads(CachingLayerOpener opener, Executor executor, SpooledPrefix.Wrapper prefixes) {
    this.opener = opener;
    this.executor = executor;
    this.prefixes = prefixes;
  }

  /** {@code blob}, opened for layer {@code d}'s TOC, as the layer's readers will use it. */
  BlobSource wrap(LayerDescriptor d, BlobSource blob) {
    return prefixes.wrap(d, blob);
  }

  /**
   * Starts reading the TOC of each of {@code layers} that has a TOC annotation and is not
   * {@code alreadyOpen}; returns the digests it started.
   */
  List<Digest> start(List<LayerDescriptor> layers, ImageSource.LayerBlobs blobs,
      java.util.function.Predicate<Digest> alreadyOpen) {
    List<Digest> started = new java.util.ArrayList<>();
    for (LayerDescriptor d : layers) {
      if (d.tocDigest().isEmpty() || alreadyOpen.test(d.digest())) {
        continue;
      }
      reads.computeIfAbsent(d.digest(), k -> {
        started.add(k);
        return CompletableFuture.supplyAsync(() -> read(d, blobs), executor);
      });
    }
    return started;
  }

  private Read read(LayerDescriptor d, ImageSource.LayerBlobs blobs) {
    // no store lock: a TOC read makes nothing live (the layer's opening, which takes this read,
    // holds it), and waiting here for a queued collector while that opening holds it shared
    // would deadlock the fair lock
    BlobSource blob = null;
    try {
      long requestedAt = System.currentTimeMillis();
      blob = wrap(d, blobs.open(d));
      CachingLayerOpener.Opened opened = opener.open(d, blob);
      return new Read(blob, opened, requestedAt, System.currentTimeMillis());
    } catch (IOException | NotLazyException | RuntimeException e) {
      closeQuietly(blob);
      throw new CompletionException(e);
    }
  }

  /**
   * The early read of layer {@code digest}, waiting for it if it is still running; empty if none
   * was started or it failed (the caller reads the TOC itself).
   */
  Optional<Read> take(Digest digest) {
    CompletableFuture<Read> f = reads.remove(digest);
    if (f == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(f.get());
    } catch (ExecutionException e) {
      LOG.fine(() -> "early TOC read of " + digest + " failed (" + e.getCause()
          + "); reading it again");
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      discard(f);
      return Optional.empty();
    }
  }

  /** Drops the early reads of {@code digests} (their image did not resolve), closing blobs. */
  void discard(List<Digest> digests) {
    for (Digest d : digests) {
      CompletableFuture<Read> f = reads.remove(d);
      if (f != null) {
        discard(f);
      }
    }
  }

  private static void discard(CompletableFuture<Read> f) {
    f.thenAccept(r -> closeQuietly(r.blob()));
  }

  private static void closeQuietly(BlobSource blob) {
    if (blob == null) {
      return;
    }
    try {
      blob.close();
    } catch (IOException | RuntimeException e) {
      // nothing was written through it
    }
  }
}
