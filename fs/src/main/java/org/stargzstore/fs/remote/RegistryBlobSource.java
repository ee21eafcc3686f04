package org.stargzstore.fs.remote;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.stargzstore.fs.fetch.BlobSource;
import org.stargzstore.types.io.ByteRange;
import org.stargzstore.registry.RegistryBlob;

/**
 * The fetcher's {@link BlobSource} over a registry blob, with the store's deadline: each
 * {@link #readFully} is a {@link RegistryBlob#readFully} (one range request, resumed if cut off,
 * unless the blob's coalescer merges it with concurrent reads), {@link #openStream} streams long
 * runs of chunks in one request. The one hop from {@code fs} to the registry client; a
 * {@link RegistryBlob} is itself a {@code RangeSource}, but with the client's deadline
 * ({@code callTimeout}), not the store's {@code read_timeout}. Thread-safe, as the blob is.
 */
final class RegistryBlobSource implements BlobSource {
  private final RegistryBlob blob;
  private final Duration timeout;

  /** @param timeout deadline of each read and each stream (retries and resumes included) */
  RegistryBlobSource(RegistryBlob blob, Duration timeout) {
    this.blob = Objects.requireNonNull(blob, "blob");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
  }

  /** The blob's size: from its descriptor, else asked once with HEAD. */
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
  @Override
  public InputStream openStream(long offset, long length) throws IOException {
    return blob.openStream(offset, length, timeout);
  }

  /** Several ranges per multi-range request where the registry takes them, within the deadline. */
  @Override
  public List<byte[]> readRanges(List<ByteRange> ranges) throws IOException {
    return blob.readRanges(ranges, timeout);
  }

  @Override
  public boolean severalRangesPerRequest() {
    return blob.severalRangesPerRequest();
  }

  @Override
  public String describe() {
    return blob.describe();
  }
}
