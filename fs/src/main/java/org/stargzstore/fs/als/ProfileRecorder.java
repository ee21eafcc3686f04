package org.stargzstore.fs.als;

import java.io.IOException;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.logging.Logger;
import org.stargzstore.fs.profile.LayerProfile;
import org.stargzstore.fs.profile.ProfileStore;
import org.stargzstore.types.Digest;

/**
 * Saves what start-ups opened as access profiles: a layer's {@link AccessLog} is merged into
 * its stored profile once no file of the layer was opened for the first time for the quiet
 * period (the start-up is over), and at shutdown. Ticked by the layer store's housekeeping
 * thread; saves only what grew since the last save, and tells {@code saved} only of profiles
 * that changed (a start-up that opened nothing new publishes nothing).
 */
final class ProfileRecorder {
  private static final Logger LOG = Logger.getLogger(ProfileRecorder.class.getName());

  private record Seen(int files, long sinceNanos) {}

  private final ProfileStore store;
  private final long quietNanos;
  private final Supplier<Collection<MountedLayer>> layers;
  private final Consumer<LayerProfile> saved;
  /** Access-log sizes last saved, and last seen with when they were first seen. */
  private final Map<Digest, Integer> savedFiles = new HashMap<>();
  private final Map<Digest, Seen> seen = new HashMap<>();

  /**
   * @param layers the users' layers loaded now (not the daemon's own images')
   * @param saved told of every profile written (a publisher may pass it on)
   */
  ProfileRecorder(ProfileStore store, java.time.Duration quiet,
      Supplier<Collection<MountedLayer>> layers, Consumer<LayerProfile> saved) {
    this.store = store;
    this.quietNanos = quiet.toNanos();
    this.layers = layers;
    this.saved = saved;
  }

  /** Saves the profiles of layers whose start-up has been quiet long enough. */
  synchronized void tick() {
    long now = System.nanoTime();
    for (MountedLayer l : layers.get()) {
      int n = l.accesses().size();
      if (n <= savedFiles.getOrDefault(l.digest(), 0)) {
        continue;
      }
      Seen s = seen.get(l.digest());
      if (s == null || s.files() != n) {
        seen.put(l.digest(), new Seen(n, now));
      } else if (now - s.sinceNanos() >= quietNanos) {
        save(l, n);
      }
    }
  }

  /** Saves every layer's new accesses now (at shutdown). */
  synchronized void flush() {
    for (MountedLayer l : layers.get()) {
      int n = l.accesses().size();
      if (n > savedFiles.getOrDefault(l.digest(), 0)) {
        save(l, n);
      }
    }
  }

  /** Saves {@code l}'s new accesses now (it is about to be unloaded). */
  synchronized void flush(MountedLayer l) {
    int n = l.accesses().size();
    if (n > savedFiles.getOrDefault(l.digest(), 0)) {
      save(l, n);
    }
    savedFiles.remove(l.digest());
  }

  private void save(MountedLayer l, int n) {
    List<String> files = l.accesses().files();
    savedFiles.put(l.digest(), n);
    seen.remove(l.digest());
    try {
      ProfileStore.Merged m = store.merge(l.digest(), files);
      if (!m.changed()) {
        LOG.fine(() -> "the access profile of layer " + l.digest() + " already has the "
            + files.size() + " file(s) opened in this run");
        return;
      }
      LOG.info(() -> "saved the access profile of layer " + l.digest() + ": "
          + m.profile().files().size() + " file(s) (" + files.size() + " opened in this run)");
      saved.accept(m.profile());
    } catch (IOException | RuntimeException e) {
      LOG.warning("could not save the access profile of layer " + l.digest() + ": " + e);
    }
  }
}
