package org.stargzstore.fs.als;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.stargzstore.fs.fetch.StartTimeline;
import org.stargzstore.fs.tree.InodeNumbers;
import org.stargzstore.types.Digest;
import org.stargzstore.types.LayerDescriptor;

/**
 * An image reference podman asked about, resolved: its manifest and config, and stable inode
 * numbers for the directories and files the store shows for it (derived from its names, so that
 * they are the same in every process: {@link InodeNumbers#of}).
 */
public final class MountedImage {
  private final String reference;
  private final String directoryName;
  private final ResolvedImage resolved;
  private final Instant resolvedAt;
  private final long ino;
  private final long manifestIno;
  private final long configIno;
  private final boolean fromStore;
  private final String otherPlatform;
  private final ConcurrentHashMap<Digest, Long> layerDirInodes = new ConcurrentHashMap<>();
  private final StartTimeline timeline;

  MountedImage(String directoryName, ResolvedImage resolved, boolean fromStore) {
    this(directoryName, resolved, fromStore, null);
  }

  MountedImage(String directoryName, ResolvedImage resolved, boolean fromStore,
      String otherPlatform) {
    this(directoryName, resolved, fromStore, otherPlatform, new StartTimeline());
  }

  /**
   * @param otherPlatform the platform of this image of the reference's index if it is not the
   *     one the daemon resolves the index to (podman pulled another platform), else null
   * @param timeline when the lookup that named it came and when it was resolved
   */
  MountedImage(String directoryName, ResolvedImage resolved, boolean fromStore,
      String otherPlatform, StartTimeline timeline) {
    this.timeline = timeline;
    this.fromStore = fromStore;
    this.otherPlatform = otherPlatform;
    this.reference = resolved.reference();
    this.directoryName = directoryName;
    this.resolved = resolved;
    this.resolvedAt = Instant.now();
    // numbers derived from the names: the same in a daemon that takes the mount over
    InodeNumbers inodes = InodeNumbers.of(inodeKey());
    this.ino = inodes.next();
    this.manifestIno = inodes.next();
    this.configIno = inodes.next();
  }

  public String reference() {
    return reference;
  }

  /** The base64 name podman used for this image's directory. */
  public String directoryName() {
    return directoryName;
  }

  public ResolvedImage resolved() {
    return resolved;
  }

  public Instant resolvedAt() {
    return resolvedAt;
  }

  /** When the lookup that first named this image came, and its manifest and config were in. */
  public StartTimeline timeline() {
    return timeline;
  }

  /** True if this resolution came from the local store rather than the registry. */
  public boolean fromStore() {
    return fromStore;
  }

  /**
   * The platform of this image when podman asked for another platform of the reference's index
   * than the daemon's own (see docs/als.md, "Platforms"); empty for the daemon's platform.
   */
  public Optional<String> otherPlatform() {
    return Optional.ofNullable(otherPlatform);
  }

  long ino() {
    return ino;
  }

  long manifestIno() {
    return manifestIno;
  }

  long configIno() {
    return configIno;
  }

  long layerDirIno(Digest layer) {
    return layerDirInodes.computeIfAbsent(layer,
        k -> InodeNumbers.of(inodeKey() + "/" + k).next());
  }

  /**
   * What names this image's part of the tree for {@link InodeNumbers#of}: its directory and
   * manifest (a tag that moves to another manifest is another image, with other numbers).
   */
  String inodeKey() {
    return directoryName + "@" + resolved.manifestDigest();
  }

  /**
   * The index of the layer that {@code name} names: its blob digest (podman 4.x) or its TOC
   * digest (podman 5.1+).
   */
  public Optional<Integer> layerIndex(String name) {
    for (int i = 0; i < resolved.layers().size(); i++) {
      LayerDescriptor d = resolved.layers().get(i);
      if (d.digest().toString().equals(name)) {
        return Optional.of(i);
      }
      Optional<Digest> toc = d.tocDigest();
      if (toc.isPresent() && toc.get().toString().equals(name)) {
        return Optional.of(i);
      }
    }
    return Optional.empty();
  }
}
