package org.stargzstore.fs.store;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * Format 1 to 2: blobs move from {@code blobs/sha256/HEX} to {@code blobs/sha256/HE/HEX}. Each
 * blob is hard-linked into its shard (so the old layout stays whole until the commit), then
 * {@code VERSION} becomes 2 (the commit), then the old names are removed. Every step is
 * idempotent, so a kill anywhere is followed by a clean resume.
 */
final class ShardBlobsMigration implements StoreFormat.Migration {
  private static final Logger LOG = Logger.getLogger(ShardBlobsMigration.class.getName());
  private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

  /** A hook for tests: called after each blob is linked (to simulate a kill there). */
  static volatile Runnable afterEachLink = () -> { };

  @Override
  public int from() {
    return 1;
  }

  @Override
  public void run(StoreLayout layout, MigrationJournal journal) throws IOException {
    Path blobs = layout.blobsDir();
    if (!journal.pending() || journal.phase() == MigrationJournal.Phase.COPYING) {
      journal.record(1, MigrationJournal.Phase.COPYING);
      long linked = 0;
      try (DirectoryStream<Path> s = Files.newDirectoryStream(blobs, this::isFlatBlob)) {
        for (Path p : s) {
          String hex = p.getFileName().toString();
          Path shard = blobs.resolve(hex.substring(0, 2));
          PrivateFiles.createDirectories(shard);
          try {
            Files.createLink(shard.resolve(hex), p);
          } catch (FileAlreadyExistsException e) {
            // linked before a kill: nothing to do
          }
          linked++;
          afterEachLink.run();
        }
      }
      AtomicFiles.fsyncDirectory(blobs);
      StoreFormat.writeVersion(layout, 2);
      journal.record(1, MigrationJournal.Phase.COMMITTED);
      long n = linked;
      LOG.info(() -> "store format 2 committed (" + n + " blobs sharded); removing old names");
    }
    long removed = 0;
    try (DirectoryStream<Path> s = Files.newDirectoryStream(blobs, this::isFlatBlob)) {
      for (Path p : s) {
        Files.deleteIfExists(p);
        removed++;
      }
    }
    journal.finish();
    long n = removed;
    LOG.info(() -> "migration to store format 2 done (" + n + " old names removed)");
  }

  private boolean isFlatBlob(Path p) {
    return HEX64.matcher(p.getFileName().toString()).matches() && Files.isRegularFile(p);
  }
}
