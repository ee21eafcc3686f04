package org.stargzstore.registry;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import org.stargzstore.types.Digest;

/**
 * The bytes of a blob to push, readable as often as needed (an upload may be retried, a chunked
 * upload reads pieces): from memory or from a file, with its digest and size.
 */
public interface BlobContent {

  Digest digest();

  long size();

  /** A stream of the content from {@code offset} to the end. */
  InputStream openStream(long offset) throws IOException;

  /** In-memory content (manifests' configs, small layers). */
  static BlobContent ofBytes(byte[] bytes) {
    byte[] copy = bytes.clone();
    Digest d = Digest.of(copy);
    return new BlobContent() {
      @Override
      public Digest digest() {
        return d;
      }

      @Override
      public long size() {
        return copy.length;
      }

      @Override
      public InputStream openStream(long offset) {
        return new ByteArrayInputStream(copy, (int) offset, copy.length - (int) offset);
      }
    };
  }

  /** A file's content; its digest is computed by reading it once. */
  static BlobContent ofFile(Path file) throws IOException {
    MessageDigest md = Digest.newSha256();
    try (InputStream in = new DigestInputStream(
        Channels.newInputStream(FileChannel.open(file, StandardOpenOption.READ)), md)) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
    }
    return ofFile(file, Digest.fromBytes(md.digest()));
  }

  /** A file whose digest is already known (not re-checked here; the registry checks it). */
  static BlobContent ofFile(Path file, Digest digest) throws IOException {
    long size = java.nio.file.Files.size(file);
    return new BlobContent() {
      @Override
      public Digest digest() {
        return digest;
      }

      @Override
      public long size() {
        return size;
      }

      @Override
      public InputStream openStream(long offset) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        ch.position(offset);
        return Channels.newInputStream(ch);
      }
    };
  }
}
