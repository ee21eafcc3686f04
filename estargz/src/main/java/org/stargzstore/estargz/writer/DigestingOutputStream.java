package org.stargzstore.estargz.writer;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import org.stargzstore.types.Digest;

/** Passes bytes through while computing their sha256: the blob digest of a layer being written. */
public final class DigestingOutputStream extends FilterOutputStream {
  private final MessageDigest sha = Digest.newSha256();
  private long count;

  public DigestingOutputStream(OutputStream out) {
    super(out);
  }

  @Override
  public void write(int b) throws IOException {
    out.write(b);
    sha.update((byte) b);
    count++;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    out.write(b, off, len);
    sha.update(b, off, len);
    count += len;
  }

  /** Bytes written so far. */
  public long count() {
    return count;
  }

  /** The sha256 of everything written (call once, at the end). */
  public Digest digest() {
    return Digest.fromBytes(sha.digest());
  }

  @Override
  public void close() throws IOException {
    flush();
  }
}
