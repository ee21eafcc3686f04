package org.stargzstore.fs.fuse.kernel.handover;

import java.nio.file.Path;
import java.util.OptionalInt;
import org.stargzstore.fs.fuse.kernel.DescriptorKeeper;

/**
 * No keeper ({@code [fuse] descriptor_keeper = "none"}, or nothing found for {@code auto}): the
 * mount ends with the daemon, as with the libfuse backend.
 */
public final class NoDescriptorKeeper implements DescriptorKeeper {
  public static final NoDescriptorKeeper INSTANCE = new NoDescriptorKeeper();

  private NoDescriptorKeeper() {}

  @Override
  public OptionalInt reclaim(Path mountpoint) {
    return OptionalInt.empty();
  }

  @Override
  public void keep(Path mountpoint, int fd) {}

  @Override
  public String toString() {
    return "none";
  }
}
