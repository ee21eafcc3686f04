package org.stargzstore.fs.prefetch.python;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.stargzstore.fs.prefetch.ElfLinks;
import org.stargzstore.fs.prefetch.LinkedFiles;
import org.stargzstore.fs.prefetch.MergedView;

/**
 * Fetches the modules a Python program will import before the interpreter asks for them. An
 * interpreter imports one module at a time and each import it has not got yet is a read that
 * waits a round trip: on a never-seen Python image that was one wait per package entered (11-14
 * of them, about a second at 50 Mbit/s + 25 ms). But what a module imports when it is imported
 * is written in its module-level code, so as soon as a module's bytes arrive its imports are
 * fetched too, and theirs when they arrive: the follower walks the import graph a round trip
 * per level, ahead of an interpreter that executes every module on the way.
 *
 * <p>Only what runs on import is followed ({@link PycImports}), only modules the image has
 * (found as the interpreter finds them, {@link PythonModules}), each once, at most
 * {@value #MAX_MODULES} files and 256 MiB per image. An extension module's libraries (and
 * theirs) are fetched the same way, parsed here rather than by the shared-object prefetch
 * ({@code linkedHere}). A module a container opens that the follower did not predict is
 * followed from there, first.
 *
 * <p>At most {@value #WINDOW_BYTES} bytes of what it found are on their way at once, sent in the
 * order the interpreter will want them: depth first in import order (a module's imports run
 * before the next statement of its importer), not in the order they were found. Sent all at
 * once, and breadth first, the libraries of extension modules imported last ({@code libcrypto}
 * for {@code ssl}) shared the link with the program's own libraries and delayed them.
 *
 * @param <L> what identifies a layer to the caller
 */
public final class PythonImportFollower<L> {
  private static final Logger LOG = Logger.getLogger(PythonImportFollower.class.getName());
  /** Files followed per image at most: a large application, not a whole distribution. */
  static final int MAX_MODULES = 1024;
  /** Module files larger than this are fetched but not parsed. */
  static final int MAX_PARSED_BYTES = 8 << 20;
  /** Bytes (uncompressed) on their way at most: a few round trips' worth of the link. */
  static final long WINDOW_BYTES = 1L << 20;
  /** Bytes of files (uncompressed) fetched per image at most: predictions, not a pull. */
  static final long MAX_FETCHED_BYTES = 256L << 20;
  /** Depth first: a parent before its children, children in import order, then the next. */
  private static final Comparator<List<Integer>> IMPORT_ORDER = (a, b) -> {
    for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
      int c = Integer.compare(a.get(i), b.get(i));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.size(), b.size());
  };

  /**
   * A file the follower wants: a module's (empty {@code module} for a shared library an
   * extension module links), and where it comes in the order the interpreter needs them.
   */
  private record Wanted<L>(MergedView.Found<L> file, Optional<PythonModules.ModuleFile<L>> module,
      List<Integer> order) {
    boolean isSharedObject() {
      return module.isEmpty() || module.get().kind() == PythonModules.Kind.EXTENSION;
    }

    List<Integer> child(int i) {
      List<Integer> o = new ArrayList<>(order);
      o.add(i);
      return List.copyOf(o);
    }
  }

  private final String name;
  private final PythonModules<L> modules;
  private final ModuleFiles<L> files;
  private final Executor executor;
  private final Consumer<String> linkedHere;
  private final Set<String> seen = ConcurrentHashMap.newKeySet();
  private final Set<String> seenLibraries = ConcurrentHashMap.newKeySet();
  private final AtomicInteger left = new AtomicInteger(MAX_MODULES);
  private final AtomicLong bytesLeft = new AtomicLong(MAX_FETCHED_BYTES);
  private final AtomicInteger followed = new AtomicInteger();
  /** Order of the program's own imports, call by call. */
  private final AtomicInteger seeds = new AtomicInteger();
  /** Order of the modules containers opened: ahead of every prediction. */
  private final AtomicInteger opens = new AtomicInteger();
  /** Found, not sent yet (guarded by this). */
  private final PriorityQueue<Wanted<L>> waiting =
      new PriorityQueue<>((a, b) -> IMPORT_ORDER.compare(a.order(), b.order()));
  /** Bytes sent, not arrived (guarded by this). */
  private long inFlightBytes;

  /**
   * @param name what logs call the image
   * @param executor where files are parsed (their bytes are cached by then)
   * @param linkedHere told the absolute path of each shared object (extension module or library)
   *     before the follower fetches it: it follows its links itself, nobody else need
   */
  public PythonImportFollower(String name, PythonModules<L> modules, ModuleFiles<L> files,
      Executor executor, Consumer<String> linkedHere) {
    this.name = name;
    this.modules = modules;
    this.files = files;
    this.executor = executor;
    this.linkedHere = linkedHere;
  }

  public PythonLayout layout() {
    return modules.layout();
  }

  /** Files fetched so far (for logs and tests). */
  public int followedModules() {
    return followed.get();
  }

  /**
   * Fetches what {@code imports}, run by the program ({@code importer}) in this order call after
   * call, make the interpreter read, and follows what they import once they arrive.
   */
  public void follow(ModuleName importer, List<PythonImport> imports) {
    follow(importer, imports, List.of(seeds.getAndIncrement()));
  }

  private void follow(ModuleName importer, List<PythonImport> imports, List<Integer> order) {
    List<Wanted<L>> fresh = new ArrayList<>();
    Wanted<L> parent = new Wanted<>(null, Optional.empty(), order);
    for (PythonImport imp : imports) {
      for (PythonModules.ModuleFile<L> f : modules.filesOf(importer, imp)) {
        if (seen.add(f.module().name()) && withinBudget(f.file())) {
          fresh.add(new Wanted<>(f.file(), Optional.of(f), parent.child(fresh.size())));
        }
      }
    }
    if (!fresh.isEmpty()) {
      LOG.fine(() -> name + ": " + importer.name() + " imports " + fresh.stream()
          .map(w -> w.module().orElseThrow().module().name()).toList() + ": prefetching them");
      want(fresh);
    }
  }

  /**
   * A container opened {@code path} (absolute): if it is a module of this interpreter the
   * follower has not seen, its imports are followed once its bytes are in, before anything
   * predicted.
   */
  public void opened(String path) {
    Optional<ModuleName> m = modules.layout().moduleOf(path);
    if (m.isEmpty() || !seen.add(m.get().name())) {
      return;
    }
    Optional<PythonModules.Kind> kind = parsedKind(path);
    Optional<MergedView.Found<L>> found = modules.view().resolve(path);
    if (kind.isEmpty() || found.isEmpty()) {
      return;
    }
    Wanted<L> w = new Wanted<>(found.get(),
        Optional.of(new PythonModules.ModuleFile<>(m.get(), kind.get(), found.get())),
        List.of(-1, opens.getAndIncrement()));
    // being read already: not held back by the window
    files.fetch(List.of(found.get())).get(0).thenRun(() -> later(() -> parse(w)));
  }

  /**
   * True if {@code path} (absolute) is a module file of this interpreter, source or bytecode:
   * what the container reads after it is this follower's to predict.
   */
  public boolean follows(String path) {
    return parsedKind(path).isPresent() && modules.layout().moduleOf(path).isPresent();
  }

  /** Bytecode or source, by the file's name: the module files whose imports are parsed. */
  private static Optional<PythonModules.Kind> parsedKind(String path) {
    return path.endsWith(".pyc") ? Optional.of(PythonModules.Kind.BYTECODE)
        : path.endsWith(".py") ? Optional.of(PythonModules.Kind.SOURCE) : Optional.empty();
  }

  private boolean withinBudget(MergedView.Found<L> f) {
    return left.getAndDecrement() > 0 && bytesLeft.addAndGet(-f.entry().size()) >= 0;
  }

  private void want(List<Wanted<L>> found) {
    followed.addAndGet(found.size());
    synchronized (this) {
      waiting.addAll(found);
    }
    pump();
  }

  /** Sends what waits, first in order first, while less than the window is on its way. */
  private void pump() {
    List<Wanted<L>> batch = new ArrayList<>();
    synchronized (this) {
      while (!waiting.isEmpty() && (inFlightBytes < WINDOW_BYTES || inFlightBytes == 0)) {
        Wanted<L> w = waiting.poll();
        batch.add(w);
        inFlightBytes += w.file().entry().size();
      }
    }
    if (batch.isEmpty()) {
      return;
    }
    for (Wanted<L> w : batch) {
      if (w.isSharedObject()) {
        linkedHere.accept(w.file().path());
      }
    }
    List<CompletableFuture<Void>> arrivals = files.fetch(batch.stream().map(Wanted::file)
        .toList());
    for (int i = 0; i < batch.size(); i++) {
      Wanted<L> w = batch.get(i);
      arrivals.get(i).whenComplete((v, failed) -> arrived(w, failed == null));
    }
  }

  private void arrived(Wanted<L> w, boolean cached) {
    synchronized (this) {
      inFlightBytes -= w.file().entry().size();
    }
    later(() -> {
      if (cached) {
        parse(w);
      }
      pump();
    });
  }

  private void later(Runnable r) {
    try {
      executor.execute(r);
    } catch (RejectedExecutionException e) {
      // shutting down
    }
  }

  private void parse(Wanted<L> w) {
    try {
      if (w.isSharedObject()) {
        followLinks(w);
        return;
      }
      PythonModules.ModuleFile<L> f = w.module().orElseThrow();
      if (f.file().entry().size() > MAX_PARSED_BYTES) {
        LOG.fine(() -> name + ": not parsing " + f.file().path() + " for imports: "
            + f.file().entry().size() + " bytes");
        return;
      }
      byte[] bytes = files.read(f.file(), MAX_PARSED_BYTES);
      List<PythonImport> imports = f.kind() == PythonModules.Kind.BYTECODE
          ? PycImports.of(bytes) : PySourceImports.of(new String(bytes, StandardCharsets.UTF_8));
      follow(f.module(), imports, w.order());
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.FINE, name + ": cannot follow the imports of " + w.file().path(), e);
    }
  }

  /** The libraries a shared object links, where the loader finds them in the image. */
  private void followLinks(Wanted<L> so) {
    List<Wanted<L>> fresh = new ArrayList<>();
    for (MergedView.Found<L> lib : LinkedFiles.of(so.file(),
        ElfLinks.of(files.bytes(so.file())), modules.view())) {
      if (seenLibraries.add(lib.path()) && withinBudget(lib)) {
        fresh.add(new Wanted<>(lib, Optional.empty(), so.child(fresh.size())));
      }
    }
    if (!fresh.isEmpty()) {
      LOG.fine(() -> name + ": " + so.file().path() + " links " + fresh.stream()
          .map(w -> w.file().path()).toList() + ": prefetching them");
      want(fresh);
    }
  }
}
