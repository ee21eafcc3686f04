package org.stargzstore.fs.remote;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.stargzstore.estargz.layer.LayerDescriptor;
import org.stargzstore.fs.als.ImageSource;
import org.stargzstore.fs.als.ResolvedImage;
import org.stargzstore.fs.fetch.BlobSource;
import org.stargzstore.registry.ImageReference;
import org.stargzstore.registry.RegistryBlob;
import org.stargzstore.registry.RegistryClient;
import org.stargzstore.registry.adapter.LayerDescriptors;
import org.stargzstore.registry.adapter.RegistryBlobSource;
import org.stargzstore.registry.errors.RegistryException;
import org.stargzstore.registry.manifest.Descriptor;

/**
 * The layer store's view of the registry client: reference normalisation, image resolution for
 * this node's platform, and layer blobs as range sources that can also stream long runs.
 */
public final class RegistryImageSource implements ImageSource {
  private final RegistryClient client;
  private final Duration readTimeout;
  private final ConcurrentHashMap<String, org.stargzstore.registry.ResolvedImage> resolved =
      new ConcurrentHashMap<>();

  /**
   * @param readTimeout deadline of each read of a blob and of each stream of its chunks, retries
   *     and resumes included (the daemon's {@code read_timeout})
   */
  public RegistryImageSource(RegistryClient client, Duration readTimeout) {
    this.client = client;
    this.readTimeout = readTimeout;
  }

  @Override
  public String normalize(String reference) {
    return client.normalize(reference).toString();
  }

  @Override
  public ResolvedImage resolve(String reference, EarlyLayers early) throws IOException {
    ImageReference ref = client.normalize(reference);
    org.stargzstore.registry.ResolvedImage r;
    try {
      r = client.resolve(ref, (manifest, layerBlob) -> early.layersKnown(
          LayerDescriptors.of(manifest.layers()), layer -> {
            Descriptor d = descriptorOf(manifest.layers(), layer).orElseThrow(() ->
                new IOException(layer.digest() + " is not a layer of " + reference));
            return blobSource(layerBlob.apply(d), layer);
          }));
    } catch (RegistryException e) {
      throw new IOException(e.kind().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
          + ": " + e.getMessage(), e);
    }
    resolved.put(reference, r);
    return new ResolvedImage(reference, r.manifestDigest(), r.manifestBytes(), r.configDigest(),
        r.configBytes(), LayerDescriptors.of(r.layers()), r.diffIds());
  }

  @Override
  public BlobSource openBlob(ResolvedImage image, LayerDescriptor layer) throws IOException {
    org.stargzstore.registry.ResolvedImage r = resolved.get(image.reference());
    RegistryBlob blob;
    try {
      // through the resolved image, so the blob is read from the mirror that served the manifest
      Descriptor d = r == null ? null : descriptorOf(r.layers(), layer).orElse(null);
      blob = d != null
          ? client.blob(r, d)
          : client.blob(client.normalize(image.reference()), layer.digest(), layer.size());
    } catch (RegistryException e) {
      throw new IOException(e.getMessage(), e);
    }
    return blobSource(blob, layer);
  }

  private static Optional<Descriptor> descriptorOf(List<Descriptor> layers,
      LayerDescriptor layer) {
    return layers.stream().filter(x -> x.digest().equals(layer.digest())).findFirst();
  }

  private BlobSource blobSource(RegistryBlob blob, LayerDescriptor layer) {
    RegistryBlobSource src = new RegistryBlobSource(blob, readTimeout);
    return new BlobSource() {
      @Override
      public long size() throws IOException {
        return layer.size() > 0 ? layer.size() : src.size();
      }

      @Override
      public void readFully(long offset, byte[] dst, int dstOffset, int length)
          throws IOException {
        src.readFully(offset, dst, dstOffset, length);
      }

      @Override
      public InputStream openStream(long offset, long length) throws IOException {
        return src.openStream(offset, length);
      }

      @Override
      public String describe() {
        return src.describe();
      }
    };
  }
}
