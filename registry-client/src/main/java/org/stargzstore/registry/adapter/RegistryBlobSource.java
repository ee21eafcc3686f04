package org.stargzstore.registry.adapter;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import org.stargzstore.registry.RegistryBlob;
import org.stargzstore.types.io.RangeSource;

/**
 * The format libraries' random-access interface over a registry blob: each {@link #readFully}
 * is a {@link RegistryBlob#readFully} (one range request, resumed if cut off, unless the blob's
 * coalescer merges it with concurrent reads), {@link #openStream} streams long runs of chunks.
 * Thread-safe, as {@link RangeSource} requires.
 */
public final class RegistryBlobSource implements RangeSource {
  private final RegistryBlob blob;
  private final Duration timeout;

  /** @param timeout deadline of each read and each stream, or null for the client's default */
  public RegistryBlobSource(RegistryBlob blob, Duration timeout) {
    this.blob = blob;
    this.timeout = timeout;
  }

  public RegistryBlobSource(RegistryBlob blob) {
    this(blob, null);
  }

  public RegistryBlob blob() {
    return blob;
  }

  @Override
  public long size() throws IOException {
    return blob.size();
  }

  @Override
  public void readFully(long offset, byte[] dst, int dstOffset, int length) throws IOException {
    blob.readFully(offset, dst, dstOffset, length, timeout);
  }

  /**
   * Streams {@code [offset, offset + length)} in one request (resuming on failure), all of it
   * within the deadline this source was made with.
   */
  public InputStream openStream(long offset, long length) throws IOException {
    return timeout == null ? blob.openStream(offset, length)
        : blob.openStream(offset, length, timeout);
  }

  @Override
  public String describe() {
    return blob.describe();
  }
}
