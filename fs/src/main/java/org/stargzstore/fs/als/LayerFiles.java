package org.stargzstore.fs.als;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.stargzstore.fs.fetch.FetchReason;
import org.stargzstore.fs.prefetch.ElfLinks;
import org.stargzstore.fs.prefetch.EntrypointClosure;
import org.stargzstore.fs.prefetch.MergedView;

/**
 * The prefetchers' access to files of mounted layers: fetching a whole file as a prediction, and
 * reading its bytes (through the cache, fetching what is missing) to parse it.
 */
final class LayerFiles implements EntrypointClosure.Files<MountedLayer> {

  @Override
  public void fetch(MergedView.Found<MountedLayer> f) {
    f.layer().fetcher().ensureAsync(f.entry().chunks(), FetchReason.PREDICTED);
  }

  @Override
  public ElfLinks.Bytes bytes(MergedView.Found<MountedLayer> f) {
    return (offset, length) -> {
      int n = (int) Math.max(0, Math.min(length, f.entry().size() - offset));
      ByteBuffer b = ByteBuffer.allocate(n);
      f.layer().content().read(f.entry(), offset, b);
      return Arrays.copyOf(b.array(), b.position());
    };
  }
}
