package org.stargzstore.fs.als;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.stargzstore.estargz.layer.Chunk;
import org.stargzstore.estargz.layer.LayerEntry;
import org.stargzstore.fs.fetch.ChunkCache;
import org.stargzstore.fs.fetch.LayerFetcher;
import org.stargzstore.fs.fetch.StartTimeline;
import org.stargzstore.fs.store.CorruptContentException;

/**
 * The read path of a layer's files: the chunks a read spans, fetched if missing (the fetcher
 * groups them into range requests, as few as its merge gap and request size allow, and waits for
 * those another fetch already brings), then copied from the cache. Only verified chunks are in
 * the cache, so only verified bytes are served. A chunk collected or found damaged between the
 * fetch and the copy is fetched once more.
 */
public final class FileContent {
  private final LayerFetcher fetcher;
  private final ChunkCache cache;
  private final Duration timeout;

  public FileContent(LayerFetcher fetcher, ChunkCache cache, Duration timeout) {
    this.fetcher = fetcher;
    this.cache = cache;
    this.timeout = timeout;
  }

  /** The layer's start-up timeline (reads through the mount mark it). */
  StartTimeline timeline() {
    return fetcher.timeline();
  }

  /**
   * A container opened one of the layer's files for the first time: its start-up is still going
   * on even if every read hits the cache, so the bulk background keeps holding back.
   */
  void fileOpenedFirstTime() {
    fetcher.noteStartUpActivity();
  }

  /** Reads up to {@code dst.remaining()} bytes of {@code file} from {@code offset}. */
  public int read(LayerEntry file, long offset, ByteBuffer dst) throws IOException {
    if (offset >= file.size() || !dst.hasRemaining()) {
      return 0;
    }
    long end = Math.min(file.size(), offset + dst.remaining());
    int first = file.chunkIndexAt(offset);
    int last = file.chunkIndexAt(end - 1);
    if (first < 0 || last < 0) {
      throw new IOException(file.name() + ": no chunk covers bytes " + offset + "-" + end);
    }
    List<Chunk> span = file.chunks().subList(first, last + 1);
    for (int attempt = 0; ; attempt++) {
      List<Chunk> missing = new ArrayList<>();
      for (Chunk c : span) {
        if (!cache.has(c)) {
          missing.add(c);
        }
      }
      if (!missing.isEmpty()) {
        fetcher.ensure(missing, timeout);
      }
      int start = dst.position();
      try {
        long pos = offset;
        for (Chunk c : span) {
          int want = (int) (Math.min(end, c.fileEnd()) - pos);
          ByteBuffer part = dst.slice();
          part.limit(want);
          int n = cache.read(c, pos - c.fileOffset(), part);
          dst.position(dst.position() + n);
          pos += n;
        }
        return dst.position() - start;
      } catch (NoSuchFileException | CorruptContentException e) {
        // collected or damaged between fetch and read: fetch again, once
        dst.position(start);
        if (attempt >= 1) {
          throw e;
        }
      }
    }
  }
}
