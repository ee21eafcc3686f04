package org.stargzstore.fs.prefetch.python;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
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
 * <p>Only module-level imports are followed (a function's imports run when it is called, if
 * ever), only modules the image has (found as the interpreter finds them, {@link
 * PythonModules}), each once, at most {@value #MAX_MODULES} modules and 256 MiB per image.
 * Extension modules are handed to the shared-object prefetch ({@code extensionLoading}) so the
 * libraries they link come too. A module a container opens that the follower did not predict is followed from
 * there.
 *
 * @param <L> what identifies a layer to the caller
 */
public final class PythonImportFollower<L> {
  private static final Logger LOG = Logger.getLogger(PythonImportFollower.class.getName());
  /** Modules followed per image at most: a large application, not a whole distribution. */
  static final int MAX_MODULES = 1024;
  /** Module files larger than this are fetched but not parsed. */
  static final int MAX_PARSED_BYTES = 8 << 20;
  /** Module bytes (uncompressed) on their way at most: a few round trips' worth of the link. */
  static final long WINDOW_BYTES = 1L << 20;
  /** Bytes of module files (uncompressed) fetched per image at most: predictions, not a pull. */
  static final long MAX_FETCHED_BYTES = 256L << 20;

  private final String name;
  private final PythonModules<L> modules;
  private final ModuleFiles<L> files;
  private final Executor executor;
  private final Consumer<String> extensionLoading;
  private final Set<String> seen = ConcurrentHashMap.newKeySet();
  private final AtomicInteger left = new AtomicInteger(MAX_MODULES);
  private final java.util.concurrent.atomic.AtomicLong bytesLeft =
      new java.util.concurrent.atomic.AtomicLong(MAX_FETCHED_BYTES);
  private final AtomicInteger followed = new AtomicInteger();
  /** Modules found, not sent yet (guarded by this). */
  private final java.util.ArrayDeque<PythonModules.ModuleFile<L>> waiting =
      new java.util.ArrayDeque<>();
  /** Bytes of modules sent, not arrived (guarded by this). */
  private long inFlightBytes;

  /**
   * @param name what logs call the image
   * @param executor where module files are parsed (their bytes are cached by then)
   * @param extensionLoading told the absolute path of each extension module about to be
   *     fetched: it will be loaded, so the libraries it links are wanted too
   */
  public PythonImportFollower(String name, PythonModules<L> modules, ModuleFiles<L> files,
      Executor executor, Consumer<String> extensionLoading) {
    this.name = name;
    this.modules = modules;
    this.files = files;
    this.executor = executor;
    this.extensionLoading = extensionLoading;
  }

  public PythonLayout layout() {
    return modules.layout();
  }

  /** Modules fetched so far (for logs and tests). */
  public int followedModules() {
    return followed.get();
  }

  /**
   * Fetches what {@code imports}, run by {@code importer}, make the interpreter read, and follows
   * each module's own imports once it arrives.
   */
  public void follow(ModuleName importer, List<PythonImport> imports) {
    List<PythonModules.ModuleFile<L>> fresh = new ArrayList<>();
    for (PythonImport imp : imports) {
      for (PythonModules.ModuleFile<L> f : modules.filesOf(importer, imp)) {
        if (seen.add(f.module().name()) && left.getAndDecrement() > 0
            && bytesLeft.addAndGet(-f.file().entry().size()) >= 0) {
          fresh.add(f);
        }
      }
    }
    if (fresh.isEmpty()) {
      return;
    }
    followed.addAndGet(fresh.size());
    LOG.fine(() -> name + ": " + importer.name() + " imports " + fresh.stream()
        .map(f -> f.module().name()).toList() + ": prefetching them");
    synchronized (this) {
      waiting.addAll(fresh);
    }
    pump();
  }

  /**
   * Sends waiting modules, in the order they were found, while less than {@link #WINDOW_BYTES}
   * of them are on their way (at least one): predictions sent all at once shared the link with
   * the program's own libraries, asked for when the program has arrived, and delayed them.
   */
  private void pump() {
    List<PythonModules.ModuleFile<L>> batch = new ArrayList<>();
    synchronized (this) {
      while (!waiting.isEmpty() && (inFlightBytes < WINDOW_BYTES || inFlightBytes == 0)) {
        PythonModules.ModuleFile<L> f = waiting.poll();
        batch.add(f);
        inFlightBytes += f.file().entry().size();
      }
    }
    if (batch.isEmpty()) {
      return;
    }
    for (PythonModules.ModuleFile<L> f : batch) {
      if (f.kind() == PythonModules.Kind.EXTENSION) {
        extensionLoading.accept(f.file().path());
      }
    }
    List<CompletableFuture<Void>> arrivals = files.fetch(batch.stream()
        .map(PythonModules.ModuleFile::file).toList());
    for (int i = 0; i < batch.size(); i++) {
      PythonModules.ModuleFile<L> f = batch.get(i);
      arrivals.get(i).whenComplete((v, failed) -> arrived(f, failed == null));
    }
  }

  private void arrived(PythonModules.ModuleFile<L> f, boolean cached) {
    synchronized (this) {
      inFlightBytes -= f.file().entry().size();
    }
    try {
      executor.execute(() -> {
        if (cached && f.kind() != PythonModules.Kind.EXTENSION) {
          parse(f);
        }
        pump();
      });
    } catch (RejectedExecutionException e) {
      // shutting down
    }
  }

  /**
   * A container opened {@code path} (absolute): if it is a module of this interpreter the
   * follower has not seen, its imports are followed once its bytes are in.
   */
  public void opened(String path) {
    Optional<ModuleName> m = modules.layout().moduleOf(path);
    if (m.isEmpty() || !seen.add(m.get().name())) {
      return;
    }
    MergedView<L> view = modules.view();
    view.resolve(path).ifPresent(found -> {
      PythonModules.Kind kind = path.endsWith(".pyc") ? PythonModules.Kind.BYTECODE
          : path.endsWith(".py") ? PythonModules.Kind.SOURCE : null;
      if (kind != null) {
        PythonModules.ModuleFile<L> f = new PythonModules.ModuleFile<>(m.get(), kind, found);
        files.fetch(List.of(found)).get(0).thenRun(() -> parseLater(f));
      }
    });
  }

  private void parseLater(PythonModules.ModuleFile<L> f) {
    try {
      executor.execute(() -> parse(f));
    } catch (RejectedExecutionException e) {
      // shutting down
    }
  }

  private void parse(PythonModules.ModuleFile<L> f) {
    try {
      if (f.file().entry().size() > MAX_PARSED_BYTES) {
        LOG.fine(() -> name + ": not parsing " + f.file().path() + " for imports: "
            + f.file().entry().size() + " bytes");
        return;
      }
      byte[] bytes = files.read(f.file(), MAX_PARSED_BYTES);
      List<PythonImport> imports = f.kind() == PythonModules.Kind.BYTECODE
          ? PycImports.of(bytes) : PySourceImports.of(new String(bytes, StandardCharsets.UTF_8));
      follow(f.module(), imports);
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.FINE, name + ": cannot follow the imports of " + f.file().path(), e);
    }
  }
}
