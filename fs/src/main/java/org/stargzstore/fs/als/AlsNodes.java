package org.stargzstore.fs.als;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.stargzstore.fs.fuse.FileReader;
import org.stargzstore.fs.fuse.FsError;
import org.stargzstore.fs.fuse.FsNode;
import org.stargzstore.fs.fuse.Stat;
import org.stargzstore.types.Digest;

/**
 * The directories and files of the ALS layout (see docs/als.md):
 * <pre>
 * /                              images resolved so far
 * /BASE64(REF)/                  manifest, config, one directory per layer
 * /BASE64(REF)/DIGEST/           diff (alias layer), info, blob, use, chain
 * </pre>
 * where DIGEST is a layer's blob digest (podman 4.x) or its TOC digest (podman 5.1+).
 */
final class AlsNodes {
  private AlsNodes() {}

  static final int DIR_MODE = 0555;
  static final int FILE_MODE = 0444;
  static final String DIFF = "diff";
  static final String LAYER = "layer";
  static final String INFO = "info";
  static final String BLOB = "blob";
  static final String USE = "use";
  static final String CHAIN = "chain";
  static final String MANIFEST = "manifest";
  static final String CONFIG = "config";

  static FsError noEntry(NotLazyException e) {
    return new FsError(FsError.ENOENT, e.getMessage());
  }

  /** The mount point: lists resolved images, resolves one on lookup. */
  static final class Root implements FsNode {
    private final LayerStore store;

    Root(LayerStore store) {
      this.store = store;
    }

    @Override
    public Stat stat() {
      return Stat.directory(1, DIR_MODE, 2, store.started());
    }

    @Override
    public FsNode lookup(String name) throws FsError {
      try {
        return new ImageDir(store, store.image(name));
      } catch (NotLazyException e) {
        throw noEntry(e);
      }
    }

    @Override
    public List<DirEntry> list() {
      List<DirEntry> out = new ArrayList<>();
      for (MountedImage img : store.images()) {
        if (img.otherPlatform().isEmpty()) { // another platform shares the directory
          out.add(new DirEntry(img.directoryName(), img.ino(),
              Stat.directory(0, 0, 0, Instant.EPOCH).mode()));
        }
      }
      return out;
    }
  }

  /** One image: its layers by digest, its manifest and config; {@code rmdir} releases a layer. */
  static final class ImageDir implements FsNode {
    private final LayerStore store;
    private final MountedImage image;

    ImageDir(LayerStore store, MountedImage image) {
      this.store = store;
      this.image = image;
    }

    @Override
    public Stat stat() {
      return Stat.directory(image.ino(), DIR_MODE, 2, image.resolvedAt());
    }

    @Override
    public FsNode lookup(String name) throws FsError {
      if (name.equals(MANIFEST)) {
        return new BytesFile(image.manifestIno(), image.resolved().manifest(), image.resolvedAt());
      }
      if (name.equals(CONFIG)) {
        return new BytesFile(image.configIno(), image.resolved().config(), image.resolvedAt());
      }
      if (!Digest.isValid(name)) {
        throw FsError.noEntry(name + " is not a layer digest");
      }
      MountedImage img = image;
      Optional<Integer> idx = img.layerIndex(name);
      if (idx.isEmpty()) {
        // another platform's layer served before: no refresh (no registry) for each look-up
        Optional<OtherPlatforms.Found> known = store.otherPlatformLayerKnown(img, name);
        if (known.isPresent()) {
          img = known.get().image();
          idx = Optional.of(known.get().layerIndex());
        }
      }
      if (idx.isEmpty()) {
        try {
          img = store.refresh(img);
        } catch (NotLazyException e) {
          throw noEntry(e);
        }
        idx = img.layerIndex(name);
      }
      try {
        if (idx.isEmpty()) {
          // not this node's platform: podman may pull another one under the index's reference
          OtherPlatforms.Found other = store.otherPlatformLayer(img, name);
          img = other.image();
          idx = Optional.of(other.layerIndex());
        }
        MountedLayer layer = store.layer(img, idx.get());
        return new LayerDir(store, img, layer, infoFor(img, layer, name));
      } catch (NotLazyException e) {
        throw noEntry(e);
      } catch (IOException e) {
        throw new FsError(FsError.EIO, e.getMessage(), e);
      }
    }

    /**
     * The {@code info} file for the name podman asked by: a blob digest means podman 4.x / 5.0,
     * a TOC digest podman 5.1+ (see {@link LayerInfoJson}).
     */
    private InfoFile infoFor(MountedImage img, MountedLayer layer, String name)
        throws NotLazyException {
      if (name.equals(layer.digest().toString())) {
        return new InfoFile(layer.blobInfoIno(), store.blobDigestInfo(img, layer));
      }
      return new InfoFile(layer.tocInfoIno(), layer.tocInfo(name));
    }

    @Override
    public List<DirEntry> list() {
      List<DirEntry> out = new ArrayList<>();
      out.add(new DirEntry(MANIFEST, image.manifestIno(), 0100000 | FILE_MODE));
      out.add(new DirEntry(CONFIG, image.configIno(), 0100000 | FILE_MODE));
      for (var d : image.resolved().layers()) {
        if (store.loadedLayer(d.digest()).isPresent()) {
          out.add(new DirEntry(d.digest().toString(), image.layerDirIno(d.digest()),
              0040000 | DIR_MODE));
        }
      }
      return out;
    }

    @Override
    public void removeDirectory(String name) throws FsError {
      MountedImage img = image;
      Optional<Integer> idx = img.layerIndex(name);
      if (idx.isEmpty()) {
        Optional<OtherPlatforms.Found> other = store.otherPlatformLayerQuietly(image, name);
        if (other.isPresent()) {
          img = other.get().image();
          idx = Optional.of(other.get().layerIndex());
        }
      }
      if (idx.isPresent()) {
        try {
          store.release(img, img.resolved().layers().get(idx.get()).digest());
        } catch (IOException e) {
          throw new FsError(FsError.EIO, "cannot record the release of " + name + ": "
              + e.getMessage(), e);
        }
      }
      throw FsError.noEntry("released (the ALS protocol answers ENOENT)");
    }
  }

  /** The bytes of a layer's {@code info} file for one lookup name, and their inode. */
  record InfoFile(long ino, byte[] bytes) {}

  /** One layer of one image, as looked up by one name. */
  static final class LayerDir implements FsNode {
    private final LayerStore store;
    private final MountedImage image;
    private final MountedLayer layer;
    private final InfoFile info;

    LayerDir(LayerStore store, MountedImage image, MountedLayer layer, InfoFile info) {
      this.store = store;
      this.image = image;
      this.layer = layer;
      this.info = info;
    }

    @Override
    public Stat stat() {
      return Stat.directory(image.layerDirIno(layer.digest()), DIR_MODE, 4, image.resolvedAt());
    }

    @Override
    public FsNode lookup(String name) throws FsError {
      layer.touch();
      switch (name) {
        case DIFF, LAYER:
          return new TreeNode(layer.tree().root(), layer.content(), layer.accesses());
        case INFO:
          return new BytesFile(info.ino(), info.bytes(), image.resolvedAt());
        case BLOB:
          return new BlobFile(layer, store.verifiedBlobs(), image.resolvedAt());
        case CHAIN:
          return ChainNode.of(store, image, layer);
        default:
          throw FsError.noEntry(name);
      }
    }

    @Override
    public List<DirEntry> list() {
      long root = layer.tree().root().ino();
      return List.of(
          new DirEntry(DIFF, root, 0040000 | DIR_MODE),
          new DirEntry(LAYER, root, 0040000 | DIR_MODE),
          new DirEntry(INFO, info.ino(), 0100000 | FILE_MODE),
          new DirEntry(BLOB, layer.blobIno(), 0100000 | FILE_MODE));
    }

    @Override
    public void create(String name) throws FsError {
      if (!name.equals(USE)) {
        throw new FsError(FsError.EROFS, "read-only file system");
      }
      try {
        store.acquire(image, layer);
      } catch (IOException e) {
        throw new FsError(FsError.EIO, "cannot record the use of " + layer.digest() + ": "
            + e.getMessage(), e);
      }
      throw FsError.noEntry("reference taken (the ALS protocol answers ENOENT)");
    }
  }

  /** A small file served from memory ({@code info}, {@code manifest}, {@code config}). */
  static final class BytesFile implements FsNode {
    private final long ino;
    private final byte[] data;
    private final Instant mtime;

    BytesFile(long ino, byte[] data, Instant mtime) {
      this.ino = ino;
      this.data = data;
      this.mtime = mtime;
    }

    @Override
    public Stat stat() {
      return Stat.file(ino, FILE_MODE, data.length, mtime);
    }

    /** Generated per lookup ({@code info} differs per lookup name): read afresh at each open. */
    @Override
    public boolean contentIsImmutable() {
      return false;
    }

    @Override
    public FileReader open() {
      return (offset, dst) -> {
        if (offset >= data.length) {
          return 0;
        }
        int n = (int) Math.min(dst.remaining(), data.length - offset);
        dst.put(data, (int) offset, n);
        return n;
      };
    }
  }

  /**
   * The raw layer blob (podman reads it to push or save). Served from a copy downloaded whole
   * and verified against the layer digest first, since no byte of it may reach a reader unchecked
   * (see {@link VerifiedBlobs}).
   */
  static final class BlobFile implements FsNode {
    private final MountedLayer layer;
    private final VerifiedBlobs blobs;
    private final Instant mtime;

    BlobFile(MountedLayer layer, VerifiedBlobs blobs, Instant mtime) {
      this.layer = layer;
      this.blobs = blobs;
      this.mtime = mtime;
    }

    @Override
    public Stat stat() {
      return Stat.file(layer.blobIno(), FILE_MODE, layer.descriptor().size(), mtime);
    }

    @Override
    public FileReader open() {
      long size = layer.descriptor().size();
      return (offset, dst) -> {
        if (offset >= size) {
          return 0;
        }
        // a long read of the blob keeps the layer (and so its stored blob) in use
        layer.touch();
        try {
          return blobs.read(layer, offset, dst);
        } catch (IOException e) {
          throw new FsError(FsError.EIO, "reading the blob file of layer " + layer.digest()
              + ": " + e.getMessage(), e);
        }
      };
    }
  }
}
