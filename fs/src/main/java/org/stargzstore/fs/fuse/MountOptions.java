package org.stargzstore.fs.fuse;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The FUSE mount options of a layer store. Layers are immutable, so the kernel may cache
 * attributes, names and pages for long; failed lookups are never cached, because a layer that is
 * not known yet may become known a moment later (and podman probes {@code use} expecting ENOENT).
 *
 * @param allowOther let users other than the mounter (podman's, CRI-O's) see the tree
 * @param cacheTimeout how long the kernel may cache attributes and names
 * @param debug pass {@code -d} to libfuse (every request logged to stderr)
 */
public record MountOptions(boolean allowOther, Duration cacheTimeout, boolean debug) {

  public static MountOptions defaults() {
    return new MountOptions(true, Duration.ofSeconds(60), false);
  }

  /** libfuse 2 command-line options. */
  public List<String> fuseArgs() {
    double t = cacheTimeout.toMillis() / 1000.0;
    List<String> opts = new ArrayList<>(List.of(
        // not "ro": the kernel would answer O_CREAT with EROFS itself, and the ALS protocol needs
        // CREATE of "use" to reach us. Every mutating operation answers EROFS instead.
        "suid",              // setuid binaries in images must work
        "dev",               // device nodes in images must work
        "default_permissions",
        "use_ino",           // our inode numbers: hardlinks share one
        "readdir_ino",
        "kernel_cache",      // files never change: keep their pages across opens
        "entry_timeout=" + t,
        "attr_timeout=" + t,
        "negative_timeout=0",
        "fsname=stargz-registry-storage",
        "subtype=stargz"));
    if (allowOther) {
      opts.add("allow_other");
    }
    List<String> args = new ArrayList<>();
    args.add("-o");
    args.add(String.join(",", opts));
    return args;
  }
}
