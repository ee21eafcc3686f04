package org.stargzstore.fs.gc;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;
import org.stargzstore.fs.store.ContentStore;
import org.stargzstore.types.Digest;

/**
 * {@code store verify}: hashes every stored blob again and deletes those that no longer match
 * their name (they are fetched again when needed). Safe while the daemon runs: content never
 * changes under a name, and a deleted blob is just a cache miss.
 */
public final class StoreVerifier {
  private static final Logger LOG = Logger.getLogger(StoreVerifier.class.getName());

  /** What a verification found. */
  public record Result(long blobs, long bytes, List<Digest> removed) {}

  private StoreVerifier() {}

  public static Result verify(ContentStore store) throws IOException {
    long n = 0;
    long bytes = 0;
    List<Digest> removed = new ArrayList<>();
    for (ContentStore.BlobInfo b : store.list()) {
      Digest actual;
      try {
        // streamed: the store also holds whole layer blobs, which must not be read into memory
        actual = store.hashStored(b.digest());
      } catch (NoSuchFileException e) {
        continue;
      }
      n++;
      bytes += b.size();
      if (!actual.equals(b.digest())) {
        store.delete(b.digest());
        removed.add(b.digest());
        LOG.warning("removed corrupt blob " + b.digest() + " (it hashes to " + actual + ")");
      }
    }
    return new Result(n, bytes, removed);
  }
}
