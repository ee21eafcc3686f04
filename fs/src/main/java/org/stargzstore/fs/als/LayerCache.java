package org.stargzstore.fs.als;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.stargzstore.fs.store.References;
import org.stargzstore.types.Digest;
import org.stargzstore.types.LayerDescriptor;

/**
 * The layers open now, by blob digest: each is opened once (however many images share it and
 * however many lookups wait for it), a failed opening is retried after {@code failure_retry},
 * and a layer nobody references or uses for {@code release_grace} is unloaded.
 */
final class LayerCache {
  // the layer store's logger: its lines keep the name operators know
  private static final Logger LOG = Logger.getLogger(LayerStore.class.getName());

  private final LayerMounter mounter;
  private final FallbackLog fallbacks;
  private final ImageSource source;
  private final LayerStoreConfig config;
  private final Executor openPool;
  private final ConcurrentHashMap<Digest, Slot<MountedLayer>> layers = new ConcurrentHashMap<>();
  /** Layers of the daemon's internal images: their unloading is not announced either. */
  private final Set<Digest> internalLayers = ConcurrentHashMap.newKeySet();

  LayerCache(LayerMounter mounter, FallbackLog fallbacks, ImageSource source,
      LayerStoreConfig config, Executor openPool) {
    this.mounter = mounter;
    this.fallbacks = fallbacks;
    this.source = source;
    this.config = config;
    this.openPool = openPool;
  }

  /** Starts opening every layer of {@code img} that has a TOC digest; their openings. */
  List<CompletableFuture<MountedLayer>> openAll(MountedImage img) {
    List<CompletableFuture<MountedLayer>> opening = new ArrayList<>();
    for (int i = 0; i < img.resolved().layers().size(); i++) {
      if (img.resolved().layers().get(i).tocDigest().isPresent()) {
        opening.add(slot(img, i).future());
      }
    }
    return opening;
  }

  /** Whether layer {@code digest} is open, being opened, or failed too recently to retry. */
  boolean openOrOpening(Digest digest) {
    Slot<MountedLayer> s = layers.get(digest);
    return s != null && s.reusable(config.failureRetry());
  }

  /**
   * The lazily served layer {@code index} of {@code img}, opening it if needed (waiting up to
   * {@code resolve_timeout}).
   *
   * @throws NotLazyException (counted, logged once) if it is not served lazily: not a lazy
   *     format, its blob or TOC cannot be read (counted by the source's reason if it has one,
   *     else as {@code bad-layer})
   * @throws IOException if the opening took too long
   */
  MountedLayer layer(MountedImage img, int index) throws NotLazyException, IOException {
    LayerDescriptor d = img.resolved().layers().get(index);
    String subject = img.reference() + "@" + d.digest();
    Optional<NotLazyException> known = fallbacks.whyNotLazy(d.digest());
    if (known.isPresent()) {
      throw fallbacks.fallback(known.get().reason(), subject, "layer " + d.digest() + " of "
          + img.reference() + " is pulled normally: " + known.get().getMessage(), null);
    }
    try {
      MountedLayer l = slot(img, index).future()
          .get(config.resolveTimeout().toMillis(), TimeUnit.MILLISECONDS);
      l.touch();
      return l;
    } catch (ExecutionException e) {
      Throwable c = e.getCause() instanceof CompletionException ce ? ce.getCause() : e.getCause();
      if (c instanceof NotLazyException nl) {
        throw fallbacks.fallback(nl.reason(), subject, "layer " + d.digest() + " of "
            + img.reference() + " is pulled normally: " + nl.getMessage(), null);
      }
      throw fallbacks.fallback(
          source.fallbackReason(c).orElse(NotLazyException.Reason.BAD_LAYER), subject,
          "layer " + d.digest() + " of " + img.reference() + " cannot be opened: "
              + FallbackLog.messageOf(c), c);
    } catch (TimeoutException e) {
      throw new IOException("opening layer " + d.digest() + " took longer than "
          + config.resolveTimeout().toSeconds() + " s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    }
  }

  private Slot<MountedLayer> slot(MountedImage img, int index) {
    LayerDescriptor d = img.resolved().layers().get(index);
    return layers.compute(d.digest(), (k, cur) -> {
      if (cur != null && cur.reusable(config.failureRetry())) {
        return cur;
      }
      return Slot.started(CompletableFuture.supplyAsync(() -> {
        if (source.isInternal(img.reference())) {
          internalLayers.add(d.digest());
        }
        try {
          return mounter.mount(img, index);
        } catch (NotLazyException e) {
          fallbacks.layerNotLazy(d.digest(), e);
          throw new CompletionException(e);
        } catch (IOException e) {
          throw new CompletionException(e);
        }
      }, openPool));
    });
  }

  /** Digests of the layers open or being opened (the garbage collector keeps their content). */
  Set<Digest> loadedDigests() {
    Set<Digest> out = new HashSet<>();
    layers.forEach((d, s) -> {
      if (!s.future().isDone() || !s.future().isCompletedExceptionally()) {
        out.add(d);
      }
    });
    return out;
  }

  /** The layer of {@code digest} if it is open and lazily served. */
  Optional<MountedLayer> loaded(Digest digest) {
    Slot<MountedLayer> s = layers.get(digest);
    return s == null ? Optional.empty() : s.value();
  }

  /** The layers open now, except those of the daemon's own images. */
  List<MountedLayer> usersLayers() {
    List<MountedLayer> out = new ArrayList<>();
    layers.forEach((d, s) -> {
      if (!internalLayers.contains(d)) {
        s.value().ifPresent(out::add);
      }
    });
    return out;
  }

  /** Unloads layers nobody references and nobody used for {@code release_grace}. */
  void unloadReleased(References references, java.util.function.Consumer<MountedLayer> before) {
    Instant cutoff = Instant.now().minus(config.releaseGrace());
    Map<Digest, References.LayerRefs> refs = references.snapshot();
    for (Map.Entry<Digest, Slot<MountedLayer>> e : layers.entrySet()) {
      Slot<MountedLayer> s = e.getValue();
      Optional<MountedLayer> open = s.value();
      if (open.isEmpty()) {
        continue;
      }
      MountedLayer l = open.get();
      References.LayerRefs r = refs.get(e.getKey());
      boolean referenced = r != null && r.total() > 0;
      if (!referenced && l.lastUsed().isBefore(cutoff) && layers.remove(e.getKey(), s)) {
        if (!internalLayers.contains(e.getKey())) {
          before.accept(l);
        }
        l.close();
        LOG.log(internalLayers.contains(e.getKey()) ? Level.FINE : Level.INFO,
            () -> "unloaded layer " + e.getKey() + ": unreferenced and unused since "
            + l.lastUsed());
      }
    }
  }

  /** Closes every open layer (the openers are stopped by then). */
  void closeAll() {
    for (Slot<MountedLayer> s : layers.values()) {
      s.value().ifPresent(MountedLayer::close);
    }
  }
}
