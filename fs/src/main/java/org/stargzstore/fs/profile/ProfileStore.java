package org.stargzstore.fs.profile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;
import org.stargzstore.fs.store.AtomicFiles;
import org.stargzstore.fs.store.PrivateFiles;
import org.stargzstore.fs.store.StoreLayout;
import org.stargzstore.types.Digest;

/**
 * The access profiles kept in the store, one file per layer digest
 * ({@code meta/profiles/HEX.json}), so any image with the layer finds it. Written whole through
 * {@code tmp/} and a rename; a file that is not a valid profile is ignored (and logged), never
 * trusted.
 */
public final class ProfileStore {
  private static final Logger LOG = Logger.getLogger(ProfileStore.class.getName());

  private final StoreLayout layout;
  private final boolean fsync;

  public ProfileStore(StoreLayout layout, boolean fsync) {
    this.layout = layout;
    this.fsync = fsync;
  }

  /** The stored profile of {@code layer}; empty if there is none or it is invalid (logged). */
  public Optional<LayerProfile> load(Digest layer) {
    Path p = layout.profile(layer);
    try {
      if (Files.size(p) > ProfileJson.MAX_BYTES) {
        LOG.warning(p + ": access profile ignored: larger than " + ProfileJson.MAX_BYTES
            + " bytes");
        return Optional.empty();
      }
      List<LayerProfile> all = ProfileJson.read(Files.readAllBytes(p), p.toString());
      return all.stream().filter(l -> l.layer().equals(layer)).findFirst();
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      LOG.warning("access profile ignored: " + e.getMessage());
      return Optional.empty();
    }
  }

  /** The profile stored after a {@link #merge}, and whether the merge changed it. */
  public record Merged(LayerProfile profile, boolean changed) {}

  /**
   * Merges {@code files} (first-open order of a run) into the stored profile of {@code layer}
   * ({@link LayerProfile#mergedWith}) and writes it if it changed.
   */
  public synchronized Merged merge(Digest layer, List<String> files) throws IOException {
    LayerProfile before = load(layer).orElse(new LayerProfile(layer, List.of()));
    LayerProfile after = before.mergedWith(files);
    if (after != before) {
      store(after);
    }
    return new Merged(after, after != before);
  }

  /** Deletes the stored profile of {@code layer}, if any. */
  public synchronized void remove(Digest layer) throws IOException {
    Files.deleteIfExists(layout.profile(layer));
  }

  /** Replaces the stored profile of its layer. */
  public synchronized void store(LayerProfile profile) throws IOException {
    PrivateFiles.createDirectories(layout.profilesDir());
    AtomicFiles.write(layout.tmpDir(), layout.profile(profile.layer()),
        ProfileJson.write(List.of(profile)), fsync);
  }
}
