package org.stargzstore.fs.fuse.kernel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * Where a FUSE connection's /dev/fuse descriptor waits while no daemon serves it, so that a
 * restart or an upgrade does not break the mount (systemd's descriptor store, the holder process).
 */
public interface DescriptorKeeper {
  /** The descriptor an earlier daemon kept for this mount point, if any; the caller owns it now. */
  OptionalInt reclaim(Path mountpoint) throws IOException;

  /** Gives the keeper its own duplicate of the live descriptor, for the next daemon. */
  void keep(Path mountpoint, int fd) throws IOException;
}
