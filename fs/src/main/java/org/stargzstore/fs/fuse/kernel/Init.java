package org.stargzstore.fs.fuse.kernel;

import java.nio.ByteBuffer;

/**
 * The INIT handshake: the kernel offers its protocol version, readahead limit and feature flags;
 * the reply takes version 7.40 (or the kernel's, if older) and asks for the features that make
 * this backend faster than libfuse 2's: READDIRPLUS, reads of up to {@link #MAX_PAGES} pages,
 * parallel lookups, cached symlinks and asynchronous readahead.
 *
 * <p>7.40 is the first minor with {@code FUSE_NOTIFY_RESEND} (a process taking a connection over
 * after {@code kill -9} asks the kernel to send again what the dead one had read). Between 7.31
 * and 7.40 no struct this backend reads or writes changed size: {@code fuse_init_out} kept 64
 * bytes ({@code flags2} and {@code max_stack_depth} took unused words and are zero here, as is
 * {@code backing_id} in {@code fuse_open_out}); {@code fuse_init_in} grew in 7.36, and only its
 * first four words are read.
 */
final class Init {
  static final int MAJOR = 7;
  static final int MINOR = 40;
  /** The first minor with {@code FUSE_NOTIFY_RESEND}. */
  static final int MINOR_RESEND = 40;
  /** Pages per request: 256 pages of 4 KiB make the 1 MiB reads. */
  static final int MAX_PAGES = 256;
  /** Largest WRITE the kernel may send (none reach us: the tree is read-only); sizes requests. */
  static final int MAX_WRITE = 128 << 10;
  /** Largest READ: {@link #MAX_PAGES} pages. */
  static final int MAX_READ = MAX_PAGES * 4096;
  static final int INIT_OUT_SIZE = 64;

  static final int ASYNC_READ = 1;
  static final int DO_READDIRPLUS = 1 << 13;
  static final int READDIRPLUS_AUTO = 1 << 14;
  static final int PARALLEL_DIROPS = 1 << 18;
  static final int MAX_PAGES_FLAG = 1 << 22;
  static final int CACHE_SYMLINKS = 1 << 23;
  static final int WANTED = ASYNC_READ | DO_READDIRPLUS | READDIRPLUS_AUTO | PARALLEL_DIROPS
      | MAX_PAGES_FLAG | CACHE_SYMLINKS;

  /** What was agreed: for the log and tests, and saved for a process taking the connection over. */
  record Agreed(int major, int minor, int flags, int maxReadahead) {
    /** True if the kernel understands {@code FUSE_NOTIFY_RESEND} on this connection. */
    boolean canResend() {
      return major == MAJOR && minor >= MINOR_RESEND;
    }
  }

  private Init() {}

  /** Reads {@code fuse_init_in} and writes {@code fuse_init_out}; returns what was agreed. */
  static Agreed answer(Request req, Reply reply) {
    ByteBuffer in = req.body;
    int major = in.getInt();
    int minor = in.getInt();
    int maxReadahead = in.getInt();
    int flags = in.getInt();
    if (major != MAJOR) {
      // a newer major: answer with ours and wait for the kernel to offer it (fuse.h)
      reply.body().putInt(MAJOR).putInt(MINOR);
      return new Agreed(major, minor, 0, 0);
    }
    int agreedMinor = Math.min(minor, MINOR);
    int agreedFlags = flags & WANTED;
    reply.body()
        .putInt(MAJOR).putInt(agreedMinor).putInt(maxReadahead).putInt(agreedFlags)
        .putShort((short) 64)   // max_background: readahead of many files at once
        .putShort((short) 48)   // congestion_threshold
        .putInt(MAX_WRITE)
        .putInt(1)              // time_gran: nanoseconds
        .putShort((short) MAX_PAGES)
        .putShort((short) 0);   // map_alignment
    for (int i = 0; i < 8; i++) {
      reply.body().putInt(0);
    }
    return new Agreed(MAJOR, agreedMinor, agreedFlags, maxReadahead);
  }
}
