package org.stargzstore.fs.als;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.stargzstore.estargz.Digest;
import org.stargzstore.estargz.layer.FormatKind;
import org.stargzstore.estargz.layer.LayerDescriptor;
import org.stargzstore.estargz.layer.LayerIndex;
import org.stargzstore.fs.fetch.BlobSource;
import org.stargzstore.fs.fetch.LayerFetcher;
import org.stargzstore.fs.tree.LayerTree;

/**
 * A layer that is served lazily: its verified index, its tree, its fetcher and the bytes of its
 * {@code info} file. Shared by every image that contains the layer (keyed by blob digest).
 */
public final class MountedLayer implements AutoCloseable {
  private final LayerDescriptor descriptor;
  private final Digest diffId;
  private final Digest tocDigest;
  private final FormatKind format;
  private final LayerTree tree;
  private final LayerFetcher fetcher;
  private final FileContent content;
  private final BlobSource blob;
  private final byte[] info;
  private final long infoIno;
  private final long blobIno;
  private final boolean tocFromStore;
  private final AccessLog accesses = new AccessLog();
  private final AtomicLong lastUsedMillis = new AtomicLong(System.currentTimeMillis());

  MountedLayer(LayerDescriptor descriptor, Digest diffId, Digest tocDigest, FormatKind format,
      LayerTree tree, LayerFetcher fetcher, FileContent content, BlobSource blob, byte[] info,
      long infoIno, long blobIno, boolean tocFromStore) {
    this.descriptor = descriptor;
    this.diffId = diffId;
    this.tocDigest = tocDigest;
    this.format = format;
    this.tree = tree;
    this.fetcher = fetcher;
    this.content = content;
    this.blob = blob;
    this.info = info;
    this.infoIno = infoIno;
    this.blobIno = blobIno;
    this.tocFromStore = tocFromStore;
  }

  public LayerDescriptor descriptor() {
    return descriptor;
  }

  public Digest digest() {
    return descriptor.digest();
  }

  public Digest diffId() {
    return diffId;
  }

  public Digest tocDigest() {
    return tocDigest;
  }

  public FormatKind format() {
    return format;
  }

  public LayerIndex index() {
    return fetcher.index();
  }

  public LayerTree tree() {
    return tree;
  }

  public LayerFetcher fetcher() {
    return fetcher;
  }

  public FileContent content() {
    return content;
  }

  public BlobSource blob() {
    return blob;
  }

  byte[] info() {
    return info;
  }

  long infoIno() {
    return infoIno;
  }

  long blobIno() {
    return blobIno;
  }

  /** True if the TOC came from the local store (no request was needed to open the layer). */
  public boolean tocFromStore() {
    return tocFromStore;
  }

  /** The files of this layer in the order they were first opened. */
  public AccessLog accesses() {
    return accesses;
  }

  void touch() {
    lastUsedMillis.set(System.currentTimeMillis());
  }

  public Instant lastUsed() {
    return Instant.ofEpochMilli(lastUsedMillis.get());
  }

  /** A name for logs: the layer digest's short form and format. */
  public String logName() {
    return descriptor.digest().shortHex() + " (" + format.displayName() + ")";
  }

  @Override
  public void close() {
    fetcher.close();
    try {
      blob.close();
    } catch (java.io.IOException e) {
      // nothing to do: the connection pool reclaims it
    }
  }
}
