package org.stargzstore.fs.als;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.stargzstore.estargz.layer.Chunk;
import org.stargzstore.fs.fetch.FetchReason;
import org.stargzstore.fs.prefetch.ElfLinks;
import org.stargzstore.fs.prefetch.EntrypointClosure;
import org.stargzstore.fs.prefetch.MergedView;
import org.stargzstore.fs.prefetch.python.ModuleFiles;

/**
 * The prefetchers' access to files of mounted layers: fetching a whole file as a prediction, and
 * reading its bytes (through the cache, fetching what is missing) to parse it.
 */
final class LayerFiles implements EntrypointClosure.Files<MountedLayer>,
    ModuleFiles<MountedLayer> {

  @Override
  public void fetch(MergedView.Found<MountedLayer> f) {
    f.layer().fetcher().ensureAsync(f.entry().chunks(), FetchReason.PREDICTED);
  }

  @Override
  public List<CompletableFuture<Void>> fetch(List<MergedView.Found<MountedLayer>> files) {
    // one plan per layer first, so that neighbours in a blob share requests; then one future
    // per file, which only waits for chunks that plan has claimed
    Map<MountedLayer, List<Chunk>> perLayer = new LinkedHashMap<>();
    for (MergedView.Found<MountedLayer> f : files) {
      perLayer.computeIfAbsent(f.layer(), l -> new ArrayList<>()).addAll(f.entry().chunks());
    }
    perLayer.forEach((l, chunks) -> l.fetcher().ensureAsync(chunks, FetchReason.PREDICTED));
    List<CompletableFuture<Void>> out = new ArrayList<>();
    for (MergedView.Found<MountedLayer> f : files) {
      out.add(f.layer().fetcher().ensureAsync(f.entry().chunks(), FetchReason.PREDICTED));
    }
    return out;
  }

  @Override
  public byte[] read(MergedView.Found<MountedLayer> f, int maxBytes) throws IOException {
    return bytes(f).read(0, maxBytes);
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
