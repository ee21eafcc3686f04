package org.stargzstore.estargz.io;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.stargzstore.types.io.RangeSource;

/** A {@link RangeSource} over a local file, using positional reads (safe for concurrent use). */
public final class FileRangeSource implements RangeSource {
  private final Path path;
  private final FileChannel channel;

  private FileRangeSource(Path path, FileChannel channel) {
    this.path = path;
    this.channel = channel;
  }

  public static FileRangeSource open(Path path) throws IOException {
    return new FileRangeSource(path, FileChannel.open(path, StandardOpenOption.READ));
  }

  @Override
  public long size() throws IOException {
    return channel.size();
  }

  @Override
  public void readFully(long offset, byte[] dst, int dstOffset, int length) throws IOException {
    if (offset < 0 || length < 0) {
      throw new IllegalArgumentException("negative offset or length: " + offset + ", " + length);
    }
    ByteBuffer buf = ByteBuffer.wrap(dst, dstOffset, length);
    long pos = offset;
    while (buf.hasRemaining()) {
      int n = channel.read(buf, pos);
      if (n < 0) {
        throw new EOFException(
            describe() + ": wanted " + length + " bytes at offset " + offset + " but the file has "
                + channel.size() + " bytes");
      }
      pos += n;
    }
  }

  @Override
  public String describe() {
    return path.toString();
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
