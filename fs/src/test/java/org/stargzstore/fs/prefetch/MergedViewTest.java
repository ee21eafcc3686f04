package org.stargzstore.fs.prefetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.stargzstore.estargz.layer.FormatKind;
import org.stargzstore.estargz.layer.Landmark;
import org.stargzstore.estargz.layer.LayerEntry;
import org.stargzstore.estargz.layer.LayerIndex;
import org.stargzstore.estargz.toc.EntryType;

/** Top-most layer wins, whiteouts hide, symlinks are followed inside the image. */
class MergedViewTest {

  static LayerIndex index(LayerEntry... es) {
    List<LayerEntry> all = new ArrayList<>();
    all.add(LayerEntry.builder("", EntryType.DIR).mode(0755).build());
    all.addAll(List.of(es));
    return new LayerIndex(FormatKind.ESTARGZ, all, Landmark.NONE, List.of(), 0);
  }

  static LayerEntry dir(String n) {
    return LayerEntry.builder(n, EntryType.DIR).mode(0755).build();
  }

  static LayerEntry file(String n) {
    return LayerEntry.builder(n, EntryType.REG).mode(0644).build();
  }

  static LayerEntry link(String n, String target) {
    return LayerEntry.builder(n, EntryType.SYMLINK).linkName(target).build();
  }

  final MergedView<String> view = new MergedView<>(List.of("base", "app"), List.of(
      index(dir("lib"), dir("lib/x86_64-linux-gnu"), file("lib/x86_64-linux-gnu/libc.so.6"),
          file("lib/x86_64-linux-gnu/libz.so.1.2.13"),
          link("lib/x86_64-linux-gnu/libz.so.1", "libz.so.1.2.13"), dir("lib64"),
          link("lib64/ld.so", "/lib/x86_64-linux-gnu/libc.so.6"), dir("usr"), dir("usr/bin"),
          file("usr/bin/gone"), link("bin", "usr/bin")),
      index(dir("usr"), dir("usr/bin"), file("usr/bin/python3.11"),
          link("usr/bin/python3", "python3.11"), file("usr/bin/.wh.gone"),
          LayerEntry.builder("usr/bin/py", EntryType.HARDLINK).linkName("usr/bin/python3.11")
              .build())));

  @Test
  void symlinksRelativeAbsoluteAndInDirectoryComponents() {
    assertEquals("/usr/bin/python3.11", view.resolve("/usr/bin/python3").orElseThrow().path());
    assertEquals("app", view.resolve("/bin/python3").orElseThrow().layer());
    assertEquals("/lib/x86_64-linux-gnu/libz.so.1.2.13",
        view.resolve("/lib/x86_64-linux-gnu/libz.so.1").orElseThrow().path());
    assertEquals("/lib/x86_64-linux-gnu/libc.so.6", view.resolve("/lib64/ld.so").orElseThrow().path());
    assertEquals("base", view.resolve("/lib64/../lib/x86_64-linux-gnu/libc.so.6").orElseThrow().layer());
  }

  @Test
  void whiteoutsHideAndHardlinksResolve() {
    assertTrue(view.resolve("/usr/bin/gone").isEmpty());
    assertEquals("usr/bin/python3.11", view.resolve("/usr/bin/py").orElseThrow().entry().name());
    assertTrue(view.resolve("/nope").isEmpty());
    assertTrue(view.resolve("/usr/bin/python3.11/x").isEmpty());
  }

  @Test
  void closureFollowsTheConfigEntrypointThroughPath() {
    List<String> fetched = new ArrayList<>();
    byte[] config = "{\"config\":{\"Cmd\":[\"python3\",\"-c\",\"pass\"],\"Env\":[\"PATH=/usr/bin:/bin\"]}}"
        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    List<String> files = EntrypointClosure.fetch(config, view, new EntrypointClosure.Files<>() {
      @Override
      public void fetch(MergedView.Found<String> f) {
        fetched.add(f.path());
      }

      @Override
      public ElfLinks.Bytes bytes(MergedView.Found<String> f) {
        return ElfLinksTest.file(java.nio.file.Path.of("/usr/bin/python3.11"));
      }
    });
    assertEquals("/usr/bin/python3.11", fetched.get(0));
    assertTrue(fetched.contains("/lib/x86_64-linux-gnu/libc.so.6"), fetched.toString());
    assertTrue(fetched.contains("/lib/x86_64-linux-gnu/libz.so.1.2.13"), fetched.toString());
    assertEquals(fetched, files);
  }
}
