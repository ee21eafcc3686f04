package org.stargzstore.fs.als;

import org.stargzstore.estargz.layer.LayerEntry;
import org.stargzstore.estargz.layer.LayerIndex;

/**
 * The size of a layer's tar when its manifest does not state it (zstd:chunked as podman 4.x
 * pushes it has no {@code io.containers.estargz.uncompressed-size}): podman 4.3.1 refuses to run
 * a container whose layer size is unknown, and uses the number only to report image sizes. The
 * estimate counts what a tar writer emits: a 512-byte header per entry (plus a PAX header for
 * long names, xattrs or large numbers), content padded to 512 bytes, and the 1024-byte end.
 */
final class TarSizeEstimate {
  private static final int BLOCK = 512;

  private TarSizeEstimate() {}

  static long of(LayerIndex index) {
    long n = 2 * BLOCK;
    for (LayerEntry e : index.entries()) {
      if (e.name().isEmpty()) {
        continue;
      }
      n += BLOCK;
      if (needsPax(e)) {
        n += 2 * BLOCK;
      }
      n += (e.size() + BLOCK - 1) / BLOCK * BLOCK;
    }
    return n;
  }

  private static boolean needsPax(LayerEntry e) {
    return e.name().length() + (e.isDirectory() ? 1 : 0) > 100 || e.linkName().length() > 100
        || !e.xattrNames().isEmpty() || e.size() > 077777777777L || e.uid() > 07777777
        || e.gid() > 07777777 || !isAscii(e.name()) || !isAscii(e.linkName());
  }

  private static boolean isAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) > 0x7f) {
        return false;
      }
    }
    return true;
  }
}
