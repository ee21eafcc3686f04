package org.stargzstore.fs.fuse.kernel;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.Properties;

/**
 * What a daemon taking over a live FUSE connection needs from the one that mounted it, kept in a
 * directory next to the store (one per mount point): the INIT the kernel agreed to (it sends
 * INIT once per connection, so a new process never sees it), the mount's device number (to know
 * the mount point still shows this connection), a session generation (file handles of different
 * processes never collide) and the node journal ({@link NodeJournal}).
 */
public final class SessionState {
  private static final String INIT = "init.properties";
  private static final String JOURNAL = "nodes.journal";

  /**
   * The saved state of a connection.
   *
   * @param agreed what INIT agreed
   * @param mountDevice the mount's {@code MAJ:MIN} in /proc/self/mountinfo
   * @param generation the number of sessions that served this connection so far
   */
  record Saved(Init.Agreed agreed, String mountDevice, long generation) {}

  private final Path dir;

  private SessionState(Path dir) {
    this.dir = dir;
  }

  /** The state kept in {@code dir} (created when first written). */
  public static SessionState in(Path dir) {
    return new SessionState(dir);
  }

  public Path directory() {
    return dir;
  }

  Path journalFile() {
    return dir.resolve(JOURNAL);
  }

  /** Forgets everything: a fresh mount starts a new connection. */
  void reset() throws IOException {
    Files.createDirectories(dir);
    Files.deleteIfExists(dir.resolve(INIT));
    Files.deleteIfExists(journalFile());
  }

  /** Writes {@code s} (temporary file and rename: a reader sees the old or the new, whole). */
  void save(Saved s) throws IOException {
    Files.createDirectories(dir);
    Properties p = new Properties();
    p.setProperty("major", Integer.toString(s.agreed().major()));
    p.setProperty("minor", Integer.toString(s.agreed().minor()));
    p.setProperty("flags", Integer.toString(s.agreed().flags()));
    p.setProperty("maxReadahead", Integer.toString(s.agreed().maxReadahead()));
    p.setProperty("mountDevice", s.mountDevice());
    p.setProperty("generation", Long.toString(s.generation()));
    StringWriter w = new StringWriter();
    p.store(w, "FUSE session of a stargz-registry-storage mount (docs/fuse.md, takeover)");
    Path tmp = dir.resolve(INIT + ".tmp");
    Files.writeString(tmp, w.toString(), StandardCharsets.UTF_8);
    Files.move(tmp, dir.resolve(INIT), StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
  }

  /**
   * True if the mount at {@code mp} is the connection this state was saved for (same device
   * number), without a request to it: a connection a keeper holds for the next daemon answers
   * nothing until that daemon serves it.
   */
  public boolean describesMountAt(Path mp) throws IOException {
    Optional<Saved> saved = load();
    return saved.isPresent() && MountDevice.of(mp).equals(Optional.of(saved.get().mountDevice()));
  }

  /** The saved state, empty if none was saved (no INIT seen for this connection yet). */
  Optional<Saved> load() throws IOException {
    Path f = dir.resolve(INIT);
    if (!Files.exists(f)) {
      return Optional.empty();
    }
    Properties p = new Properties();
    p.load(new StringReader(Files.readString(f, StandardCharsets.UTF_8)));
    try {
      return Optional.of(new Saved(new Init.Agreed(
          Integer.parseInt(p.getProperty("major")), Integer.parseInt(p.getProperty("minor")),
          Integer.parseInt(p.getProperty("flags")),
          Integer.parseInt(p.getProperty("maxReadahead"))),
          p.getProperty("mountDevice", ""), Long.parseLong(p.getProperty("generation", "0"))));
    } catch (RuntimeException e) {
      throw new IOException("unreadable FUSE session state " + f + ": " + e, e);
    }
  }
}
