package org.stargzstore.fs.store;

import java.nio.file.Path;
import org.stargzstore.types.Digest;

/**
 * Where things live under the daemon's {@code --root}. Content (verified bytes, addressed by
 * digest) is kept apart from the metadata that refers to it, so dropping an image or layer is
 * dropping a small record, never rewriting content. See docs/store.md.
 *
 * <pre>
 * VERSION                     on-disk format version
 * blobs/sha256/HE/HEX         verified content (sharded by the first two hex digits): chunks
 *                             (by uncompressed chunk digest), TOCs, manifests, configs
 * meta/layers/HEX.json        a layer: descriptor facts, TOC location, references held
 * meta/images/KEY.json        an image reference's resolution: manifest, config, layer digests
 * meta/profiles/HEX.json      a layer's access profile: files a start-up opened, in order
 * tmp/                        files being written (removed at start)
 * spool/                      blobs a registry sent whole (Range ignored), being read
 *                             (the registry client's; removed at start and when idle)
 * </pre>
 */
public record StoreLayout(Path root) {

  public StoreLayout {
    root = root.toAbsolutePath().normalize();
  }

  public Path versionFile() {
    return root.resolve("VERSION");
  }

  public Path blobsDir() {
    return root.resolve("blobs").resolve(Digest.ALGORITHM);
  }

  /** A blob's path: sharded by the first two hex digits ({@code blobs/sha256/ab/abcd...}). */
  public Path blob(Digest d) {
    return blobsDir().resolve(d.hex().substring(0, 2)).resolve(d.hex());
  }

  public Path migrationJournal() {
    return root.resolve("migration.journal");
  }

  public Path metaDir() {
    return root.resolve("meta");
  }

  public Path layersDir() {
    return metaDir().resolve("layers");
  }

  public Path layerRecord(Digest layer) {
    return layersDir().resolve(layer.hex() + ".json");
  }

  public Path imagesDir() {
    return metaDir().resolve("images");
  }

  /** Access profiles, one per layer digest (see docs/profiles.md). */
  public Path profilesDir() {
    return metaDir().resolve("profiles");
  }

  public Path profile(Digest layer) {
    return profilesDir().resolve(layer.hex() + ".json");
  }

  public Path tmpDir() {
    return root.resolve("tmp");
  }

  /**
   * Where the daemon's registry client spools blobs that a registry sent whole instead of a
   * range (not content: unverified, deleted when idle; see docs/registry.md).
   */
  public Path spoolDir() {
    return root.resolve("spool");
  }

  /** Creates the directories of the layout that do not exist yet, 0700 ({@link PrivateFiles}). */
  public void createDirectories() throws java.io.IOException {
    for (Path p : new Path[] {blobsDir(), layersDir(), imagesDir(), tmpDir()}) {
      PrivateFiles.createDirectories(p);
    }
  }
}
