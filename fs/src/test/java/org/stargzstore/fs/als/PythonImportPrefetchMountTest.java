package org.stargzstore.fs.als;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.stargzstore.estargz.layer.LayerEntry;
import org.stargzstore.fs.fetch.FetchReason;
import org.stargzstore.testkit.ExternalTools;
import org.stargzstore.testkit.ImagePusher;
import org.stargzstore.testkit.IntegrationTest;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.testkit.TarCorpus;
import org.stargzstore.types.Digest;

/**
 * This machine's CPython 3.11 and its standard library in an eStargz layer made by the reference
 * producer, whose image runs {@code python3 -S -c "import json, http.server, email.utils"}: the
 * files that interpreter reads for those imports (asked of the real interpreter here, from its
 * {@code sys.modules} after running the same code) are fetched as soon as the image is looked
 * up, before any container reads, and little else is: the follower parses the real compiled
 * modules for their module-level imports.
 */
@IntegrationTest
class PythonImportPrefetchMountTest {
  @RegisterExtension static final RegistryServer REGISTRY = RegistryServer.builder().build();
  private static final String STDLIB = "/usr/lib/python3.11";
  private static final String CODE = "import json, http.server, email.utils";
  /** Big and never imported here: left out of the image to keep it small. */
  private static final Set<String> LEFT_OUT = Set.of("config-3.11-x86_64-linux-gnu", "test",
      "tkinter", "lib2to3", "idlelib", "pydoc_data", "ensurepip", "turtledemo", "dist-packages",
      "site-packages");

  @TempDir Path tmp;

  @Test
  void theModulesTheProgramImportsAreFetchedBeforeTheContainerStarts() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("rootfs"));
    copyTree(Path.of(STDLIB), root);
    Files.createDirectories(root.resolve("usr/bin"));
    Files.copy(Path.of("/usr/bin/python3.11"), root.resolve("usr/bin/python3.11"));
    Files.createSymbolicLink(root.resolve("usr/bin/python3"), Path.of("python3.11"));
    Set<String> read = filesTheInterpreterReads();
    String cmd = new ObjectMapper().writeValueAsString(List.of("/usr/bin/python3", "-S", "-c",
        CODE));
    ImagePusher.pushimg(REGISTRY, "py/imports:1", "estargz",
        List.of(TarCorpus.tree(tmp.resolve("l.tar"), root)), "--cmd", cmd);
    String ref = REGISTRY.hostPort() + "/py/imports:1";
    try (StoreHarness h = StoreHarness.overRegistry(tmp.resolve("store"),
        REGISTRY.hostPort(), StoreHarness.PREDICTIONS_ONLY)) {
      Path img = h.mount(tmp.resolve("mnt")).resolve(ImageDirectoryName.encode(ref));
      Digest layer = StoreHarness.firstLayer(img);
      assertTrue(Files.isDirectory(img.resolve(layer.toString()).resolve("diff/usr")));
      MountedLayer l = h.store.loadedLayer(layer).orElseThrow();

      long deadline = System.nanoTime() + 60_000_000_000L;
      while (!cachedModules(h, l).containsAll(read) && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      Thread.sleep(500); // what the last arrivals import, if anything, is asked for by now
      Set<String> cached = cachedModules(h, l);
      Set<String> missed = new TreeSet<>(read);
      missed.removeAll(cached);
      assertEquals(Set.of(), missed, "files the interpreter reads that were not prefetched");
      Set<String> extra = new TreeSet<>(cached);
      extra.removeAll(read);
      System.out.println("prefetched " + cached.size() + " module files, " + read.size()
          + " read by the interpreter; never imported: " + extra);
      assertTrue(extra.size() <= Math.max(3, read.size() / 10), "prefetched, never imported: "
          + extra + " (against " + read.size() + " read)");
      assertEquals(0L, l.fetcher().stats().bytesByReason().getOrDefault(FetchReason.DEMAND, 0L),
          "no container read anything");
    }
  }

  /**
   * The module files this machine's interpreter reads for {@link #CODE}, as image paths: the
   * compiled file when the source has one in {@code __pycache__}, else the source; extension
   * modules; not the frozen modules (3.11 gives them a {@code __file__} it never reads).
   */
  private static Set<String> filesTheInterpreterReads() throws IOException {
    String script = CODE + "\n"
        + "import sys\n"
        + "mods = list(sys.modules.values())\n"
        + "import os, importlib.util\n"
        + "for m in mods:\n"
        + "    f = getattr(m, '__file__', None)\n"
        + "    spec = getattr(m, '__spec__', None)\n"
        + "    if not f or getattr(spec, 'origin', None) in ('frozen', 'built-in'):\n"
        + "        continue\n"
        + "    if f.endswith('.py'):\n"
        + "        c = importlib.util.cache_from_source(f)\n"
        + "        f = c if os.path.exists(c) else f\n"
        + "    print(f)\n";
    String out = ExternalTools.run(List.of("/usr/bin/python3.11", "-S", "-c", script), 60)
        .requireSuccess().output();
    Set<String> files = new TreeSet<>();
    for (String line : out.split("\n")) {
      if (line.startsWith(STDLIB + "/")) {
        files.add(line.substring(1));
      }
    }
    assertTrue(files.size() > 30, "the interpreter read " + files);
    return files;
  }

  /** Module files of the standard library that are wholly cached. */
  private static Set<String> cachedModules(StoreHarness h, MountedLayer l) {
    Set<String> out = new TreeSet<>();
    for (LayerEntry e : l.fetcher().index().entries()) {
      String n = e.name();
      if (e.isRegular() && n.startsWith(STDLIB.substring(1) + "/") && e.size() > 0
          && (n.endsWith(".pyc") || n.endsWith(".py") || n.endsWith(".so"))
          && h.isCached(e)) {
        out.add(n);
      }
    }
    return out;
  }

  private static void copyTree(Path from, Path rootfs) throws IOException {
    Path to = rootfs.resolve(from.toString().substring(1));
    List<Path> all = new ArrayList<>();
    try (Stream<Path> s = Files.walk(from)) {
      s.filter(p -> from.relativize(p).getNameCount() == 0
          || !LEFT_OUT.contains(from.relativize(p).getName(0).toString())).forEach(all::add);
    }
    for (Path p : all) {
      Path dst = to.resolve(from.relativize(p).toString());
      if (Files.isSymbolicLink(p)) {
        continue;
      } else if (Files.isDirectory(p)) {
        Files.createDirectories(dst);
      } else {
        Files.copy(p, dst, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
      }
    }
  }

}
