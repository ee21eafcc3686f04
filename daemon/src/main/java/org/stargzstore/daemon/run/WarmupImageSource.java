package org.stargzstore.daemon.run;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.stargzstore.estargz.io.FileRangeSource;
import org.stargzstore.fs.als.ImageSource;
import org.stargzstore.fs.als.IndexInstance;
import org.stargzstore.fs.als.NotLazyException;
import org.stargzstore.fs.als.ResolvedImage;
import org.stargzstore.fs.fetch.BlobSource;
import org.stargzstore.types.LayerDescriptor;

/**
 * The daemon's image source plus one local image under a reserved reference ({@code .invalid}
 * cannot be a registry host), which the warm-up reads through the real mount before the daemon
 * reports ready: the first container of a fresh daemon then finds FUSE callbacks, the layer
 * store and the fetch path already compiled instead of paying for it in its start-up.
 */
final class WarmupImageSource implements ImageSource {
  static final String REFERENCE = "warmup.invalid/stargz-registry-storage/warmup:1";

  private final ImageSource delegate;
  private final ResolvedImage image;
  private final Path blob;

  WarmupImageSource(ImageSource delegate, ResolvedImage image, Path blob) {
    this.delegate = delegate;
    this.image = image;
    this.blob = blob;
  }

  @Override
  public String normalize(String reference) {
    return REFERENCE.equals(reference) ? reference : delegate.normalize(reference);
  }

  @Override
  public ResolvedImage resolve(String reference, EarlyLayers early) throws IOException {
    return REFERENCE.equals(reference) ? image : delegate.resolve(reference, early);
  }

  @Override
  public List<IndexInstance> indexInstances(String reference) throws IOException {
    return REFERENCE.equals(reference) ? List.of() : delegate.indexInstances(reference);
  }

  @Override
  public ResolvedImage resolveInstance(String reference, IndexInstance instance)
      throws IOException {
    return delegate.resolveInstance(reference, instance);
  }

  @Override
  public String platform() {
    return delegate.platform();
  }

  @Override
  public Optional<NotLazyException.Reason> fallbackReason(Throwable failure) {
    return delegate.fallbackReason(failure);
  }

  @Override
  public java.util.Map<String, Long> networkCounters() {
    return delegate.networkCounters();
  }

  @Override
  public java.util.Optional<org.stargzstore.fs.profile.ProfileRegistry> profileRegistry() {
    return delegate.profileRegistry();
  }

  @Override
  public boolean isInternal(String reference) {
    return REFERENCE.equals(reference) || delegate.isInternal(reference);
  }

  @Override
  public BlobSource openBlob(ResolvedImage resolved, LayerDescriptor layer) throws IOException {
    if (REFERENCE.equals(resolved.reference())) {
      return BlobSource.of(FileRangeSource.open(blob));
    }
    return delegate.openBlob(resolved, layer);
  }
}
