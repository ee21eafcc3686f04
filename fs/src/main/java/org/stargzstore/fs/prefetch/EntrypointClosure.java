package org.stargzstore.fs.prefetch;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.stargzstore.estargz.toc.EntryType;

/**
 * The files a container reads before its program's first instruction: the entrypoint (from the
 * image config, found through PATH), its ELF interpreter or {@code #!} interpreter, and the
 * libraries they link, transitively, searched where the dynamic loader searches (RUNPATH with
 * {@code $ORIGIN}, then the distribution's library directories). These are certain to be read,
 * and podman spends a second setting up the container before it execs: time enough to fetch
 * them all.
 */
public final class EntrypointClosure {
  private static final int MAX_FILES = 64;
  /** The platforms' program loaders (PT_INTERP), first found wins. */
  private static final List<String> PROGRAM_LOADERS = List.of("/lib64/ld-linux-x86-64.so.2",
      "/lib/ld-linux-aarch64.so.1", "/lib/ld-musl-x86_64.so.1", "/lib/ld-musl-aarch64.so.1");
  /** Small files podman reads from the image to set the container up. */
  private static final List<String> SETUP_FILES = List.of("/etc/passwd", "/etc/group");

  /** Fetches a found file (asynchronously) and reads its bytes (for parsing). */
  public interface Files<L> {
    void fetch(MergedView.Found<L> file);

    ElfLinks.Bytes bytes(MergedView.Found<L> file);
  }

  private EntrypointClosure() {}

  /**
   * Finds and fetches the closure; returns the paths found, in the order they were scheduled.
   */
  public static <L> List<String> fetch(byte[] config, MergedView<L> view, Files<L> files) {
    return fetch(config, view, files, () -> { });
  }

  /**
   * Finds and fetches the closure, running {@code firstLevelSent} once the program (and the
   * setup files, loader and C library) have been asked for, or at once if there is no program.
   */
  public static <L> List<String> fetch(byte[] config, MergedView<L> view, Files<L> files,
      Runnable firstLevelSent) {
    Set<String> done = new LinkedHashSet<>();
    for (String s : SETUP_FILES) {
      view.resolve(s).ifPresent(f -> {
        files.fetch(f);
        done.add(f.path());
      });
    }
    ImageCommand command = ImageCommand.of(config);
    Optional<String> program = command.program();
    if (program.isEmpty()) {
      firstLevelSent.run();
      return new ArrayList<>(done);
    }
    // level by level: every file of a level is requested before any of them is parsed, so the
    // parsing waits for one round trip per level, not one per file
    List<MergedView.Found<L>> level = new ArrayList<>();
    command.locate(program.get(), view).ifPresent(level::add);
    if (!level.isEmpty()) {
      level.addAll(programRuntime(view));
    }
    Runnable afterLevel = firstLevelSent;
    while (!level.isEmpty() && done.size() < MAX_FILES) {
      List<MergedView.Found<L>> fetched = new ArrayList<>();
      for (MergedView.Found<L> f : level) {
        if (done.size() < MAX_FILES && f.entry().type() == EntryType.REG && done.add(f.path())) {
          files.fetch(f);
          fetched.add(f);
        }
      }
      afterLevel.run();
      afterLevel = () -> { };
      List<MergedView.Found<L>> next = new ArrayList<>();
      for (MergedView.Found<L> f : fetched) {
        next.addAll(LinkedFiles.of(f, ElfLinks.of(files.bytes(f)), view));
      }
      level = next;
    }
    afterLevel.run();
    return new ArrayList<>(done);
  }

  /**
   * The program loader and C library, if the image has them: nearly every program of such an
   * image needs both, so they are fetched alongside the program instead of a round trip after
   * its bytes are parsed (costs their ~1 MB on an image whose entrypoint is static).
   */
  private static <L> List<MergedView.Found<L>> programRuntime(MergedView<L> view) {
    List<MergedView.Found<L>> out = new ArrayList<>();
    for (String loader : PROGRAM_LOADERS) {
      Optional<MergedView.Found<L>> f = view.resolve(loader);
      if (f.isPresent()) {
        out.add(f.get());
        LinkedFiles.libc(view).ifPresent(out::add);
        break;
      }
    }
    return out;
  }
}
