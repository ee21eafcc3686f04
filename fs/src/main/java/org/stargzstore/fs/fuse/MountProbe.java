package org.stargzstore.fs.fuse;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import jnr.constants.platform.Errno;
import jnr.constants.platform.OpenFlags;
import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.SaveError;
import org.stargzstore.types.concurrent.DaemonThreadFactory;

/**
 * Tells a live FUSE mount from a stale one by asking its server: it opens the mount's root
 * directory, which the kernel always forwards (attributes may be answered from the kernel's
 * cache for a while after the server died, so a {@code stat} cannot tell). A stale mount answers
 * ENOTCONN ("Transport endpoint is not connected"). Native {@code open} because Java does not
 * expose errno, and the message text depends on the locale.
 */
final class MountProbe {
  /** What the open of the mount's root gave. */
  enum Answer {
    /** The server answered (with success or any error but ENOTCONN): somebody serves it. */
    ANSWERS,
    /** ENOTCONN (or ECONNABORTED): the server is gone. */
    NOT_CONNECTED,
    /** No answer within the timeout: a server is there but hung or stopped. */
    NO_ANSWER
  }

  /** The libc calls the probe needs. */
  public interface LibC {
    @SaveError
    int open(String path, int flags);

    int close(int fd);
  }

  private static volatile LibC libc;

  private MountProbe() {}

  static Answer probe(Path mp, Duration timeout) {
    CompletableFuture<Answer> answer = new CompletableFuture<>();
    // a hung server blocks the open forever: never keep the JVM alive for it
    Thread t = DaemonThreadFactory.named("mount-probe").newThread(() -> {
      try {
        answer.complete(openRoot(mp));
      } catch (Throwable e) {
        answer.completeExceptionally(e);
      }
    });
    t.start();
    try {
      return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      return Answer.NO_ANSWER;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Answer.NO_ANSWER;
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot probe " + mp + ": " + e.getCause(), e.getCause());
    }
  }

  private static Answer openRoot(Path mp) {
    LibC c = libc();
    int fd = c.open(mp.toString(), OpenFlags.O_RDONLY.intValue()
        | OpenFlags.O_DIRECTORY.intValue() | OpenFlags.O_NONBLOCK.intValue());
    if (fd >= 0) {
      c.close(fd);
      return Answer.ANSWERS;
    }
    int errno = jnr.ffi.Runtime.getRuntime(c).getLastError();
    // ECONNABORTED: the connection was aborted (umount -f) while requests were pending
    return errno == Errno.ENOTCONN.intValue() || errno == Errno.ECONNABORTED.intValue()
        ? Answer.NOT_CONNECTED : Answer.ANSWERS;
  }

  private static LibC libc() {
    LibC c = libc;
    if (c == null) {
      c = LibraryLoader.create(LibC.class).load("c");
      libc = c;
    }
    return c;
  }
}
