package org.stargzstore.estargz.layer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.stargzstore.estargz.ChunkDigestMismatchException;
import org.stargzstore.estargz.LayerFormatException;
import org.stargzstore.types.Digest;

/**
 * Verifies the chunks of a unit too large to hold in memory: decodes it as a stream, writes each
 * chunk's bytes to a file while hashing them, and hands the file over only if its length and
 * digest are the TOC's. Memory is one copy buffer and the decoder's window, whatever the size of
 * the chunk; nothing unverified leaves (a rejected chunk's file is deleted).
 */
public final class UnitStreamer {
  /** Default bound above which a unit is streamed rather than decoded in memory. */
  public static final long DEFAULT_STREAM_ABOVE = 4L << 20;
  private static final int BUFFER = 64 << 10;

  private UnitStreamer() {}

  /** Where streamed chunks go, and what becomes of them. */
  public interface ChunkFiles {
    /** A new file to write {@code c}'s bytes to while they are hashed; null to hash only. */
    Path create(Chunk c) throws IOException;

    /** {@code c}'s bytes, verified, are in {@code file} (null if none was asked for). */
    void verified(Chunk c, Path file) throws IOException;

    /** {@code c} did not verify or could not be decoded; its file is already deleted. */
    void rejected(Chunk c, IOException why);
  }

  /**
   * True if a unit of {@code compressedLength} bytes whose chunks end {@code decodedLength}
   * bytes into its decoded data should be streamed under {@code streamAbove}. The compressed
   * bound has a sixteenth of slack: incompressible data grows a little in a gzip member or zstd
   * frame (and a unit may end with the next entry's tar header), and a chunk of exactly
   * {@code streamAbove} bytes should stay in memory; a unit padded with garbage must not.
   */
  public static boolean tooLargeForMemory(long compressedLength, long decodedLength,
      long streamAbove) {
    return decodedLength > streamAbove || compressedLength > streamAbove + streamAbove / 16;
  }

  /** Where the last of {@code chunks} ends in its unit's decoded data. */
  public static long decodedLength(List<Chunk> chunks) {
    long end = 0;
    for (Chunk c : chunks) {
      end = Math.max(end, c.innerOffset() + c.size());
    }
    return end;
  }

  /**
   * Decodes the unit {@code compressed} (which ends where the unit does) and streams the
   * {@code chunks} out of it, in the order of their place in the unit. Every chunk ends up in
   * exactly one of {@link ChunkFiles#verified} and {@link ChunkFiles#rejected}. Throws only what
   * {@code files} throws.
   */
  public static void stream(InputStream compressed, ChunkCodec codec, List<Chunk> chunks,
      String blob, ChunkFiles files) throws IOException {
    List<Chunk> order = new ArrayList<>(chunks);
    order.sort(Comparator.comparingLong(Chunk::innerOffset));
    InputStream decoded;
    try {
      decoded = codec.decodeStream(compressed, blob);
    } catch (IOException e) {
      for (Chunk c : order) {
        files.rejected(c, e);
      }
      return;
    }
    try (InputStream in = decoded) {
      streamDecoded(in, order, blob, files);
    }
  }

  /** As {@link #stream}, over decoded bytes (the zeros of a zero chunk, at offset 0). */
  public static void streamDecoded(InputStream decoded, List<Chunk> order, String blob,
      ChunkFiles files) throws IOException {
    byte[] buf = new byte[BUFFER];
    long pos = 0;
    IOException broken = null;
    for (Chunk c : order) {
      if (broken != null) {
        files.rejected(c, broken);
        continue;
      }
      if (c.innerOffset() < pos) {
        files.rejected(c, new LayerFormatException(blob, "chunk of '" + c.fileName()
            + "' at file offset " + c.fileOffset() + " overlaps the previous chunk of its unit"));
        continue;
      }
      Path file = null;
      try {
        skipFully(decoded, c.innerOffset() - pos, c, blob);
        pos = c.innerOffset();
        file = files.create(c);
        MessageDigest md = Digest.newSha256();
        long copied = 0;
        try (OutputStream out = file == null ? OutputStream.nullOutputStream()
            : Files.newOutputStream(file)) {
          while (copied < c.size()) {
            int n = decoded.read(buf, 0, (int) Math.min(buf.length, c.size() - copied));
            if (n < 0) {
              throw new LayerFormatException(blob, "the unit of '" + c.fileName()
                  + "' at file offset " + c.fileOffset() + " ends after " + copied + " of the "
                  + "chunk's " + c.size() + " bytes");
            }
            md.update(buf, 0, n);
            out.write(buf, 0, n);
            copied += n;
          }
        }
        pos += copied;
        Digest actual = Digest.fromBytes(md.digest());
        if (!actual.equals(c.digest())) {
          deleteQuietly(file);
          files.rejected(c, new ChunkDigestMismatchException(blob, c.fileName(),
              c.fileOffset(), c.size(), c.digest(), actual));
          continue;
        }
      } catch (IOException e) {
        deleteQuietly(file);
        // the decoder's place in the unit is lost: the chunks after this one cannot be had
        broken = e instanceof LayerFormatException ? e
            : new LayerFormatException(blob, "cannot decode the unit of '" + c.fileName()
                + "' at file offset " + c.fileOffset() + ": " + e.getMessage(), e);
        files.rejected(c, broken);
        continue;
      }
      files.verified(c, file);
    }
  }

  private static void skipFully(InputStream in, long n, Chunk c, String blob) throws IOException {
    byte[] sink = null;
    while (n > 0) {
      long k = in.skip(n);
      if (k <= 0) {
        if (sink == null) {
          sink = new byte[BUFFER];
        }
        int r = in.read(sink, 0, (int) Math.min(sink.length, n));
        if (r < 0) {
          throw new LayerFormatException(blob, "the unit of '" + c.fileName() + "' ends before "
              + "the chunk at file offset " + c.fileOffset() + " starts");
        }
        k = r;
      }
      n -= k;
    }
  }

  private static void deleteQuietly(Path file) {
    if (file == null) {
      return;
    }
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // a temp file: whoever made it cleans its directory
    }
  }

  /** {@code length} zero bytes, for streaming a large zero chunk through the same check. */
  public static InputStream zeros(long length) {
    return new InputStream() {
      private long left = length;

      @Override
      public int read() {
        if (left <= 0) {
          return -1;
        }
        left--;
        return 0;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (left <= 0) {
          return -1;
        }
        int n = (int) Math.min(len, left);
        java.util.Arrays.fill(b, off, off + n, (byte) 0);
        left -= n;
        return n;
      }
    };
  }
}
