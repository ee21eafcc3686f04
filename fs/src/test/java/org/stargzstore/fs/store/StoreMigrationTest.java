package org.stargzstore.fs.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.types.Digest;

/** Format 1 to 2: journaled, resumable after a kill at any point, idempotent. */
class StoreMigrationTest {
  @TempDir Path root;

  @AfterEach
  void resetHook() {
    ShardBlobsMigration.afterEachLink = () -> { };
  }

  private void assertMigrated(List<Digest> blobs) throws IOException {
    StoreLayout layout = new StoreLayout(root);
    assertEquals("2", Files.readString(layout.versionFile()).trim());
    assertFalse(Files.exists(layout.migrationJournal()));
    ContentStore s = ContentStore.open(layout, false);
    for (Digest d : blobs) {
      assertFalse(Files.exists(flat(layout, d)), "old name removed: " + d);
      assertEquals(d, Digest.of(s.readAll(d)), "readable and intact: " + d);
    }
    assertEquals(blobs.size(), s.list().size());
    assertEquals(2, References.load(layout).get(blobs.get(0)).total(), "metadata untouched");
  }

  @Test
  void formatOneStoreIsMigratedOnOpen() throws IOException {
    List<Digest> blobs = FormatOneStore.write(root, 50, 1);
    assertEquals(1, StoreFormat.read(new StoreLayout(root)));
    ContentStore.open(new StoreLayout(root), false);
    assertMigrated(blobs);
  }

  @Test
  void killDuringCopyLeavesTheOldLayoutWholeAndResumes() throws IOException {
    List<Digest> blobs = FormatOneStore.write(root, 50, 2);
    AtomicInteger links = new AtomicInteger();
    ShardBlobsMigration.afterEachLink = () -> {
      if (links.incrementAndGet() == 17) {
        throw new IllegalStateException("killed");
      }
    };
    assertThrows(IllegalStateException.class, () -> ContentStore.open(new StoreLayout(root), false));
    StoreLayout layout = new StoreLayout(root);
    assertFalse(Files.exists(layout.versionFile()), "not committed");
    assertTrue(Files.readString(layout.migrationJournal()).contains("COPYING"));
    for (Digest d : blobs) {
      assertTrue(Files.exists(flat(layout, d)), "old layout whole until the commit");
    }
    ShardBlobsMigration.afterEachLink = () -> { };
    ContentStore.open(layout, false);
    assertMigrated(blobs);
  }

  @Test
  void killAfterCommitFinishesTheCleanup() throws IOException {
    List<Digest> blobs = FormatOneStore.write(root, 20, 3);
    StoreLayout layout = new StoreLayout(root);
    // the state a kill right after the commit leaves: linked, VERSION 2, journal COMMITTED
    for (Digest d : blobs) {
      Files.createDirectories(layout.blob(d).getParent());
      Files.createLink(layout.blob(d), flat(layout, d));
    }
    StoreFormat.writeVersion(layout, 2);
    MigrationJournal.open(layout).record(1, MigrationJournal.Phase.COMMITTED);
    ContentStore.open(layout, false);
    assertMigrated(blobs);
  }

  @Test
  void openingTwiceChangesNothing() throws IOException {
    List<Digest> blobs = FormatOneStore.write(root, 10, 4);
    StoreLayout layout = new StoreLayout(root);
    ContentStore.open(layout, false);
    byte[] first = Files.readAllBytes(layout.blob(blobs.get(3)));
    ContentStore.open(layout, false);
    assertArrayEquals(first, Files.readAllBytes(layout.blob(blobs.get(3))));
    assertMigrated(blobs);
  }

  @Test
  void newStoreStartsAtTheCurrentFormat() throws IOException {
    ContentStore.open(new StoreLayout(root), false);
    assertEquals(String.valueOf(StoreFormat.CURRENT),
        Files.readString(root.resolve("VERSION")).trim());
  }

  @Test
  void storeFromANewerVersionIsRefusedUntouched() throws IOException {
    Files.writeString(root.resolve("VERSION"), "9\n");
    IOException e = assertThrows(IOException.class,
        () -> ContentStore.open(new StoreLayout(root), false));
    assertTrue(e.getMessage().contains("newer"), e.getMessage());
    assertEquals("9", Files.readString(root.resolve("VERSION")).trim());
  }

  /** Where format 1 kept a blob: flat in {@code blobs/sha256/}, as the migration finds it. */
  private static Path flat(StoreLayout layout, Digest d) {
    return layout.blobsDir().resolve(d.hex());
  }
}
