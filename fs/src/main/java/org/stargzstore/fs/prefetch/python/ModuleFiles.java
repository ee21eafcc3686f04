package org.stargzstore.fs.prefetch.python;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.stargzstore.fs.prefetch.ElfLinks;
import org.stargzstore.fs.prefetch.MergedView;

/** How the import follower fetches module files of an image and reads them once cached. */
public interface ModuleFiles<L> {
  /**
   * Starts fetching {@code files} as one prediction (neighbours in a blob share a request).
   *
   * @return one future per file, in order, completing when that file is cached
   */
  List<CompletableFuture<Void>> fetch(List<MergedView.Found<L>> files);

  /** The bytes of a file (through the cache), at most {@code maxBytes} of them. */
  byte[] read(MergedView.Found<L> file, int maxBytes) throws IOException;

  /** A file's bytes where a parser wants them (through the cache), for its ELF links. */
  ElfLinks.Bytes bytes(MergedView.Found<L> file);
}
