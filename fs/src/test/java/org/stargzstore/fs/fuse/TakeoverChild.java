package org.stargzstore.fs.fuse;

import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;
import org.stargzstore.fs.fuse.kernel.DescriptorKeeper;
import org.stargzstore.fs.fuse.kernel.SessionState;
import org.stargzstore.fs.fuse.kernel.Takeover;

/**
 * A daemon stand-in in a process of its own, for {@link KernelTakeoverTest} to kill with
 * {@code kill -9}: mounts a {@link TakeoverTree} whose {@code slow} file never answers, prints
 * {@code FD N} (its /dev/fuse descriptor, which the test takes with {@code pidfd_getfd}) and
 * serves until killed. Arguments: mount point, session state directory.
 */
public final class TakeoverChild {
  private TakeoverChild() {}

  public static void main(String[] args) throws Exception {
    DescriptorKeeper none = new DescriptorKeeper() {
      @Override
      public OptionalInt reclaim(Path mountpoint) {
        return OptionalInt.empty();
      }

      @Override
      public void keep(Path mountpoint, int fd) {
        System.out.println("FD " + fd);
        System.out.flush();
      }
    };
    FuseMount.mount(TakeoverTree.build(new CountDownLatch(1)), Path.of(args[0]),
        KernelTakeoverTest.OPTIONS, new Takeover(none, SessionState.in(Path.of(args[1]))));
    Thread.sleep(Long.MAX_VALUE);
  }
}
