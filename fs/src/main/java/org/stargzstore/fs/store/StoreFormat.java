package org.stargzstore.fs.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Logger;

/**
 * The store's on-disk format version ({@code VERSION}) and the migrations between versions.
 * Opening a store written by an older version migrates it in place before anything else reads
 * it; each migration is journaled, resumable after a kill at any point, idempotent, and keeps the
 * old layout until it commits. A store written by a newer version is refused, not damaged.
 *
 * <pre>
 * 1  blobs/sha256/HEX (all blobs in one directory)
 * 2  blobs/sha256/HE/HEX (sharded by the first two hex digits)
 * </pre>
 */
public final class StoreFormat {
  private static final Logger LOG = Logger.getLogger(StoreFormat.class.getName());
  public static final int CURRENT = 2;

  /** One step from version {@code from()} to {@code from() + 1}. */
  interface Migration {
    int from();

    /**
     * Runs (or resumes) the step; must be idempotent up to its commit, which is writing the next
     * version to {@code VERSION}, and after it (cleanup of the old layout).
     */
    void run(StoreLayout layout, MigrationJournal journal) throws IOException;
  }

  private static final List<Migration> MIGRATIONS = List.of(new ShardBlobsMigration());

  private StoreFormat() {}

  /** The version written in {@code VERSION}: absent means a new store (or a version 1 one). */
  public static int read(StoreLayout layout) throws IOException {
    try {
      String v = Files.readString(layout.versionFile(), StandardCharsets.UTF_8).trim();
      return Integer.parseInt(v);
    } catch (NoSuchFileException e) {
      return hasContent(layout) ? 1 : CURRENT;
    } catch (NumberFormatException e) {
      throw new IOException(layout.versionFile() + " is not a format version: "
          + Files.readString(layout.versionFile()).trim());
    }
  }

  private static boolean hasContent(StoreLayout layout) throws IOException {
    if (!Files.isDirectory(layout.blobsDir())) {
      return false;
    }
    try (DirectoryStream<Path> s = Files.newDirectoryStream(layout.blobsDir())) {
      return s.iterator().hasNext();
    }
  }

  /**
   * Brings the store under {@code layout} to {@link #CURRENT}, resuming a migration if needed.
   * The root is made private (0700) first: a store written before stores were private has 0644
   * files in 0755 directories.
   */
  public static void open(StoreLayout layout) throws IOException {
    PrivateFiles.restrictDirectory(layout.root());
    int v = read(layout);
    if (v > CURRENT) {
      throw new IOException("the store at " + layout.root() + " has format version " + v
          + ", written by a newer stargz-registry-storage (this one reads up to " + CURRENT
          + "); use that version or another --root");
    }
    MigrationJournal journal = MigrationJournal.open(layout);
    while (v < CURRENT || journal.pending()) {
      int from = journal.pending() ? journal.from() : v;
      Migration m = MIGRATIONS.stream().filter(x -> x.from() == from).findFirst()
          .orElseThrow(() -> new IOException("no migration from store format " + from));
      LOG.info(() -> (journal.pending() ? "resuming" : "starting") + " the migration of "
          + layout.root() + " from format " + from + " to " + (from + 1));
      m.run(layout, journal);
      v = read(layout);
    }
    if (!Files.exists(layout.versionFile())) {
      writeVersion(layout, CURRENT);
    }
  }

  static void writeVersion(StoreLayout layout, int version) throws IOException {
    PrivateFiles.createDirectories(layout.tmpDir());
    AtomicFiles.write(layout.tmpDir(), layout.versionFile(),
        (version + "\n").getBytes(StandardCharsets.UTF_8), true);
  }
}
