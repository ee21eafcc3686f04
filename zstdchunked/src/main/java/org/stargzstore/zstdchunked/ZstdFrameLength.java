package org.stargzstore.zstdchunked;

import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * The decompressed length of bytes that must be whole zstd frames, decoded into a scratch buffer
 * and counted, never kept. A containers/storage layer has a few hundred bytes of frames between
 * every two file payloads, thousands per layer: one decompression context and its buffers serve
 * them all, where a stream per range allocated about 200 KiB of buffers each. Not thread-safe:
 * one per thread.
 */
public final class ZstdFrameLength implements AutoCloseable {
  private static final int INPUT_BYTES = 64 << 10;
  private static final int OUTPUT_BYTES = 128 << 10;

  /** The bytes were not zstd, or their last frame does not end where they do. */
  public static final class NotWholeFramesException extends IOException {
    private static final long serialVersionUID = 1L;

    NotWholeFramesException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final ZstdDecompressCtx ctx = new ZstdDecompressCtx();
  private final byte[] input = new byte[INPUT_BYTES];
  private final ByteBuffer output = ByteBuffer.allocate(OUTPUT_BYTES);

  /**
   * Reads exactly {@code length} bytes of {@code frames} and returns what they decompress to.
   *
   * @throws EOFException if {@code frames} ends first
   * @throws NotWholeFramesException if they are not zstd, or end inside a frame
   */
  public long of(InputStream frames, long length) throws IOException {
    ctx.reset();
    long decompressed = 0;
    long left = length;
    boolean frameEnded = true;
    ByteBuffer src = ByteBuffer.wrap(input, 0, 0);
    try {
      while (true) {
        if (!src.hasRemaining() && left > 0) {
          int n = (int) Math.min(input.length, left);
          if (frames.readNBytes(input, 0, n) < n) {
            throw new EOFException("the input ends before the " + length
                + " bytes of zstd frames it should hold");
          }
          src = ByteBuffer.wrap(input, 0, n);
          left -= n;
        }
        int consumedBefore = src.position();
        output.clear();
        // true when this call ended a frame; a call after that with no input left makes no
        // progress and says false, so only a call that moved counts
        boolean ended = ctx.decompressByteBufferStream(output, src);
        decompressed += output.position();
        boolean moved = src.position() != consumedBefore || output.position() > 0;
        if (!moved) {
          if (src.hasRemaining() || left > 0) {
            throw new NotWholeFramesException("the zstd decoder stopped with input left", null);
          }
          break;
        }
        frameEnded = ended;
      }
    } catch (ZstdException e) {
      throw new NotWholeFramesException("not zstd frames: " + e.getMessage(), e);
    }
    if (!frameEnded) {
      throw new NotWholeFramesException("the last zstd frame goes on past the "
          + length + " bytes given", null);
    }
    return decompressed;
  }

  @Override
  public void close() {
    ctx.close();
  }
}
