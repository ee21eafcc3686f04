package org.stargzstore.registry;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.stargzstore.registry.config.PullSource;
import org.stargzstore.registry.manifest.Descriptor;
import org.stargzstore.registry.manifest.ImageConfig;
import org.stargzstore.registry.manifest.ImageManifest;
import org.stargzstore.types.Digest;

/**
 * An image reference resolved for one platform: the manifest and config exactly as served (both
 * verified against their digests), the layers bottom first with their diff IDs, and where it
 * came from, so its blobs are read from the same source first. Immutable.
 */
public final class ResolvedImage {
  private final ImageReference reference;
  private final ImageReference source;
  private final Optional<Digest> indexDigest;
  private final Digest manifestDigest;
  private final byte[] manifestBytes;
  private final ImageManifest manifest;
  private final byte[] configBytes;
  private final ImageConfig config;
  private final Platform platform;
  private final List<PullSource> sources;

  ResolvedImage(ImageReference reference, ImageReference source, Optional<Digest> indexDigest,
      Digest manifestDigest, byte[] manifestBytes, ImageManifest manifest, byte[] configBytes,
      ImageConfig config, Platform platform, List<PullSource> sources) {
    this.reference = Objects.requireNonNull(reference);
    this.source = Objects.requireNonNull(source);
    this.indexDigest = indexDigest;
    this.manifestDigest = manifestDigest;
    this.manifestBytes = manifestBytes.clone();
    this.manifest = manifest;
    this.configBytes = configBytes.clone();
    this.config = config;
    this.platform = platform;
    this.sources = List.copyOf(sources);
  }

  /** The reference as asked for (normalised). */
  public ImageReference reference() {
    return reference;
  }

  /** The reference the manifest was actually pulled from (a mirror or rewritten location). */
  public ImageReference source() {
    return source;
  }

  /** The index the manifest was chosen from, if the reference named an index. */
  public Optional<Digest> indexDigest() {
    return indexDigest;
  }

  public Digest manifestDigest() {
    return manifestDigest;
  }

  /** A copy of the manifest bytes. */
  public byte[] manifestBytes() {
    return manifestBytes.clone();
  }

  public ImageManifest manifest() {
    return manifest;
  }

  public Digest configDigest() {
    return manifest.config().digest();
  }

  /** A copy of the config bytes. */
  public byte[] configBytes() {
    return configBytes.clone();
  }

  public ImageConfig config() {
    return config;
  }

  /** The layers, bottom first. */
  public List<Descriptor> layers() {
    return manifest.layers();
  }

  /** {@code rootfs.diff_ids}, one per layer. */
  public List<Digest> diffIds() {
    return config.diffIds();
  }

  public Platform platform() {
    return platform;
  }

  /** Where blobs are read from, in order: the source that served the manifest first. */
  public List<PullSource> sources() {
    return sources;
  }

  @Override
  public String toString() {
    return reference + "@" + manifestDigest + (source.equals(reference) ? "" : " via " + source);
  }
}
