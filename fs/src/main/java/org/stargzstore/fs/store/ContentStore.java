package org.stargzstore.fs.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import org.stargzstore.types.Digest;

/**
 * Verified content addressed by its sha256, shared by every image and layer: a chunk, TOC,
 * manifest or config is stored once however many layers use it. Every file is hashed again the
 * first time it is read after the daemon starts, so a file damaged while the daemon was down
 * (or by a power loss mid-write) is dropped and refetched, never served.
 *
 * <p>Thread-safe without locks on the read path; see docs/store.md for how garbage collection
 * coordinates with readers.
 */
public final class ContentStore {
  private static final Logger LOG = Logger.getLogger(ContentStore.class.getName());
  /** Access times are written to disk at most this often per blob (LRU across restarts). */
  private static final long TOUCH_INTERVAL_MILLIS = 60_000;

  private final StoreLayout layout;
  private final boolean fsync;
  private final Set<Digest> present = ConcurrentHashMap.newKeySet();
  private final Set<Digest> verified = ConcurrentHashMap.newKeySet();
  private final ConcurrentHashMap<Digest, Long> lastTouch = new ConcurrentHashMap<>();
  private final Set<String> shards = ConcurrentHashMap.newKeySet();
  private final AtomicLong bytesWritten = new AtomicLong();

  private ContentStore(StoreLayout layout, boolean fsync) {
    this.layout = layout;
    this.fsync = fsync;
  }

  /**
   * Opens (creating if needed) the content store under {@code layout}; removes temp files a
   * previous process left behind.
   *
   * @param fsync whether content writes are fsynced before rename (durability across power loss;
   *     without it a damaged file is still caught by the first-read check)
   */
  public static ContentStore open(StoreLayout layout, boolean fsync) throws IOException {
    StoreFormat.open(layout);
    layout.createDirectories();
    int removed = 0;
    try (DirectoryStream<Path> s = Files.newDirectoryStream(layout.tmpDir())) {
      for (Path p : s) {
        Files.deleteIfExists(p);
        removed++;
      }
    }
    if (removed > 0) {
      int n = removed;
      LOG.info(() -> "removed " + n + " unfinished temp files from " + layout.tmpDir());
    }
    return new ContentStore(layout, fsync);
  }

  public StoreLayout layout() {
    return layout;
  }

  /** True if the blob is stored (it may still turn out corrupt when read). */
  public boolean contains(Digest d) {
    if (present.contains(d)) {
      return true;
    }
    if (Files.exists(layout.blob(d))) {
      present.add(d);
      return true;
    }
    return false;
  }

  /**
   * Stores bytes the caller has verified to hash to {@code d}. Idempotent; concurrent puts of
   * the same digest are harmless (same content, atomic rename).
   */
  public void put(Digest d, byte[] data, int off, int len) throws IOException {
    if (present.contains(d)) {
      return;
    }
    Path target = shardedPath(d);
    AtomicFiles.write(layout.tmpDir(), target, data, off, len, fsync);
    present.add(d);
    verified.add(d);
    bytesWritten.addAndGet(len);
  }

  /**
   * Stores what {@code in} yields as {@code expected} if, and only if, it hashes to it: streamed
   * to a temp file (never held in memory) and hashed on the way, renamed into place only after
   * the check. A mismatch leaves nothing behind.
   *
   * @param source what the stream reads (for the error message)
   * @return the bytes stored
   * @throws ContentDigestMismatchException if the bytes hash to something else
   */
  public long putStream(Digest expected, InputStream in, String source) throws IOException {
    Path target = shardedPath(expected);
    MessageDigest md = Digest.newSha256();
    long n = AtomicFiles.write(layout.tmpDir(), target, new DigestInputStream(in, md), fsync,
        length -> {
          Digest actual = Digest.fromBytes(md.digest());
          if (!actual.equals(expected)) {
            throw new ContentDigestMismatchException(source, expected, actual);
          }
        });
    present.add(expected);
    verified.add(expected);
    bytesWritten.addAndGet(n);
    return n;
  }

  /** Where {@code d} is stored, its shard directory created (0700) the first time. */
  private Path shardedPath(Digest d) throws IOException {
    Path target = layout.blob(d);
    String shard = d.hex().substring(0, 2);
    // marked only once it exists: a second writer of the shard must not rename into a directory
    // the first is still creating (its write failed, and a chunk kept nowhere else was lost)
    if (!shards.contains(shard)) {
      PrivateFiles.createDirectories(target.getParent());
      shards.add(shard);
    }
    return target;
  }

  /** True if the blob is stored and has been hashed (or written) by this process. */
  public boolean isVerified(Digest d) {
    return verified.contains(d);
  }

  /**
   * Makes sure a stored blob is whole: hashes it (streaming) unless this process did already.
   * A blob that does not match is deleted (and logged).
   *
   * @return true if it is stored and matches; false if it is not stored, or was corrupt
   */
  public boolean verifyStored(Digest d) throws IOException {
    try {
      checkStoredOnFirstRead(d);
      return true;
    } catch (NoSuchFileException | CorruptContentException e) {
      return false;
    }
  }

  /**
   * The sha256 of the stored blob's bytes, read in 64 KiB pieces (a small buffer: most blobs are
   * chunks); {@link NoSuchFileException} if absent.
   */
  public Digest hashStored(Digest d) throws IOException {
    MessageDigest md = Digest.newSha256();
    try (InputStream in = Files.newInputStream(layout.blob(d))) {
      byte[] piece = new byte[64 << 10];
      int n;
      while ((n = in.read(piece)) >= 0) {
        md.update(piece, 0, n);
      }
    }
    return Digest.fromBytes(md.digest());
  }

  /** Hashes {@code data}, stores it, and returns its digest. */
  public Digest putHashing(byte[] data) throws IOException {
    Digest d = Digest.of(data);
    put(d, data, 0, data.length);
    return d;
  }

  /** The whole blob, verified; {@link NoSuchFileException} if it is not stored. */
  public byte[] readAll(Digest d) throws IOException {
    byte[] data;
    try {
      data = Files.readAllBytes(layout.blob(d));
    } catch (NoSuchFileException e) {
      present.remove(d);
      throw e;
    }
    checkOnFirstRead(d, data);
    touch(d);
    return data;
  }

  /**
   * Reads from a stored blob at {@code position} into {@code dst}; returns the bytes read (-1 at
   * end). The first read of a blob since start hashes the whole blob first (streaming, so a
   * large blob is never held in memory).
   *
   * @throws NoSuchFileException if the blob is not stored (e.g. collected meanwhile)
   * @throws CorruptContentException if it failed its check (it has been deleted)
   */
  public int read(Digest d, long position, ByteBuffer dst) throws IOException {
    return read(d, -1, position, dst);
  }

  /**
   * As {@link #read(Digest, long, ByteBuffer)}, for a caller that knows how long the content
   * must be: a digest fixes the content, so a blob of another length can never be what the
   * caller wants.
   *
   * @param expectedLength the length the caller's metadata gives the content; -1 if unknown
   * @throws ContentLengthMismatchException if the (verified) blob has another length
   */
  public int read(Digest d, long expectedLength, long position, ByteBuffer dst)
      throws IOException {
    Path p = layout.blob(d);
    checkStoredOnFirstRead(d);
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
      long length = ch.size();
      if (expectedLength >= 0 && length != expectedLength) {
        throw new ContentLengthMismatchException(d, expectedLength, length);
      }
      int total = 0;
      while (dst.hasRemaining()) {
        int n = ch.read(dst, position + total);
        if (n < 0) {
          break;
        }
        total += n;
      }
      touch(d);
      return total == 0 && dst.hasRemaining() ? -1 : total;
    } catch (NoSuchFileException e) {
      present.remove(d);
      verified.remove(d);
      throw e;
    }
  }

  /**
   * A new empty file (0600) in the store's {@code tmp/}, for content too large for memory that
   * the caller hashes while writing and then hands to {@link #putFile} (or deletes).
   */
  public Path newTempFile() throws IOException {
    return Files.createFile(layout.tmpDir().resolve("stream-" + Long.toHexString(
        java.util.concurrent.ThreadLocalRandom.current().nextLong()) + ".tmp"),
        PrivateFiles.file());
  }

  /**
   * Moves {@code verifiedTemp} (from {@link #newTempFile}), whose content the caller has
   * verified to hash to {@code d}, into place as blob {@code d}. The temp file is gone after.
   */
  public void putFile(Digest d, Path verifiedTemp) throws IOException {
    try {
      if (present.contains(d)) {
        return;
      }
      Path target = shardedPath(d);
      long len = Files.size(verifiedTemp);
      AtomicFiles.moveWrittenIntoPlace(verifiedTemp, target, fsync);
      present.add(d);
      verified.add(d);
      bytesWritten.addAndGet(len);
    } finally {
      Files.deleteIfExists(verifiedTemp);
    }
  }

  /** Like {@link #checkOnFirstRead} for a blob that may be large: hashes the file in pieces. */
  private void checkStoredOnFirstRead(Digest d) throws IOException {
    if (verified.contains(d)) {
      return;
    }
    Digest actual;
    try {
      actual = hashStored(d);
    } catch (NoSuchFileException e) {
      present.remove(d);
      throw e;
    }
    if (!actual.equals(d)) {
      corrupt(d, actual);
    }
    verified.add(d);
  }

  private void checkOnFirstRead(Digest d, byte[] data) throws IOException {
    if (verified.contains(d)) {
      return;
    }
    Digest actual = Digest.of(data);
    if (!actual.equals(d)) {
      corrupt(d, actual);
    }
    verified.add(d);
  }

  private void corrupt(Digest d, Digest actual) throws IOException {
    delete(d);
    LOG.severe(() -> "stored blob " + d + " is corrupt (hashes to " + actual
        + "): deleted; it will be fetched again");
    throw new CorruptContentException(d, actual);
  }

  /** Deletes a blob (garbage collection, or corrupt content). */
  public boolean delete(Digest d) throws IOException {
    present.remove(d);
    verified.remove(d);
    lastTouch.remove(d);
    return Files.deleteIfExists(layout.blob(d));
  }

  /** Records an access for least-recently-used eviction (on disk at most once a minute). */
  private void touch(Digest d) {
    long now = System.currentTimeMillis();
    Long prev = lastTouch.get(d);
    if (prev != null && now - prev < TOUCH_INTERVAL_MILLIS) {
      return;
    }
    lastTouch.put(d, now);
    try {
      Files.setLastModifiedTime(layout.blob(d), FileTime.fromMillis(now));
    } catch (IOException e) {
      // collected meanwhile, or read-only: the access time is only a hint
    }
  }

  /** One stored blob as garbage collection and {@code store du} see it. */
  public record BlobInfo(Digest digest, long size, Instant lastAccess) {}

  /** Every stored blob (a directory scan; for GC and reports, not the read path). */
  public List<BlobInfo> list() throws IOException {
    List<BlobInfo> out = new ArrayList<>();
    try (DirectoryStream<Path> shardDirs = Files.newDirectoryStream(layout.blobsDir(),
        p -> p.getFileName().toString().length() == 2 && Files.isDirectory(p))) {
      for (Path shard : shardDirs) {
        listShard(shard, out);
      }
    }
    return out;
  }

  private void listShard(Path shard, List<BlobInfo> out) throws IOException {
    try (DirectoryStream<Path> s = Files.newDirectoryStream(shard)) {
      for (Path p : s) {
        String name = p.getFileName().toString();
        if (name.length() != 64) {
          continue;
        }
        Digest d;
        try {
          d = new Digest(name);
        } catch (IllegalArgumentException e) {
          continue;
        }
        try {
          BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
          Long touched = lastTouch.get(d);
          Instant access = touched != null ? Instant.ofEpochMilli(touched)
              : a.lastModifiedTime().toInstant();
          out.add(new BlobInfo(d, a.size(), access));
        } catch (NoSuchFileException e) {
          // deleted while scanning
        }
      }
    }
  }

  /** Bytes written by this process: a test seam (status and metrics show the store's size). */
  public long bytesWritten() {
    return bytesWritten.get();
  }
}
