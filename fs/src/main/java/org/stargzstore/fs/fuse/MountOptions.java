package org.stargzstore.fs.fuse;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The FUSE mount options of a layer store. Layers are immutable, so the kernel may cache
 * attributes, names and pages for long; failed lookups are never cached, because a layer that is
 * not known yet may become known a moment later (and podman probes {@code use} expecting ENOENT).
 *
 * <p>Without {@code allow_other} the kernel lets only processes of the mounter's uid and gid use
 * the mount: rootful podman and CRI-O (root, like the daemon) work, other users get EACCES, so
 * the files of private images are not readable by every user of the node. See
 * docs/configuration.md, {@code [fuse] allow_other}.
 *
 * @param allowOther let users other than the mounter (podman or CRI-O running as another user)
 *     use the tree: then every user who can reach the mount point reads every image in it
 * @param cacheTimeout how long the kernel may cache attributes and names
 * @param debug pass {@code -d} to libfuse (every request logged to stderr)
 * @param backend which FUSE implementation serves the mount (docs/fuse.md)
 */
public record MountOptions(boolean allowOther, Duration cacheTimeout, boolean debug,
    Backend backend) {

  /**
   * The FUSE implementations: the kernel protocol spoken directly over {@code /dev/fuse} (the
   * default: READDIRPLUS, 1 MiB reads, page cache kept across opens, about half libfuse's time
   * per request; the basis for a session that outlives the process), or libfuse 2 through
   * jnr-fuse (path-based).
   */
  public enum Backend {
    LIBFUSE("libfuse"),
    KERNEL("kernel");

    /** What serves a mount whose configuration names no backend. */
    public static final Backend DEFAULT = KERNEL;

    private final String configName;

    Backend(String configName) {
      this.configName = configName;
    }

    /** The name in the configuration ({@code [fuse] backend}). */
    public String configName() {
      return configName;
    }

    /** Parses a {@code [fuse] backend} value; unknown names are an error that lists the known. */
    public static Backend parse(String name) {
      for (Backend b : values()) {
        if (b.configName.equals(name)) {
          return b;
        }
      }
      throw new IllegalArgumentException("unknown FUSE backend '" + name
          + "' (known: \"libfuse\", \"kernel\")");
    }
  }

  /** The options with the default backend ({@link Backend#DEFAULT}). */
  public MountOptions(boolean allowOther, Duration cacheTimeout, boolean debug) {
    this(allowOther, cacheTimeout, debug, Backend.DEFAULT);
  }

  public static MountOptions defaults() {
    return new MountOptions(false, Duration.ofSeconds(60), false);
  }

  /** The same options served by {@code b}. */
  public MountOptions withBackend(Backend b) {
    return new MountOptions(allowOther, cacheTimeout, debug, b);
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
