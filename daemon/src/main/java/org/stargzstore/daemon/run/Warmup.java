package org.stargzstore.daemon.run;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Logger;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.stargzstore.estargz.io.FileRangeSource;
import org.stargzstore.estargz.layer.LayerEntry;
import org.stargzstore.estargz.layer.LayerReader;
import org.stargzstore.estargz.writer.LayerWriteResult;
import org.stargzstore.fs.als.ImageDirectoryName;
import org.stargzstore.fs.als.ImageSource;
import org.stargzstore.fs.als.LayerInfoJson;
import org.stargzstore.fs.als.ResolvedImage;
import org.stargzstore.fs.store.PrivateFiles;
import org.stargzstore.fs.tree.InodeNumbers;
import org.stargzstore.fs.tree.LayerTree;
import org.stargzstore.types.Digest;
import org.stargzstore.zstdchunked.LayerFormats;
import org.stargzstore.zstdchunked.writer.LayerConversion;

/**
 * Runs the first-lookup code paths right after start, on a tiny layer of each format (class
 * loading, file reads) and on a layer with {@value #TOC_WARMUP_ENTRIES} entries (the JIT): in a
 * fresh JVM the first TOC parse, index and tree of a real layer cost 100 to 200 ms more than
 * once they are compiled (measured on a 1,548-entry Python layer: 112 ms after the tiny warm-up
 * alone, 34 ms after this one, 7 ms fully warm), and that would land on podman's first pull,
 * which waits for the layer's lookup.
 */
final class Warmup {
  private static final Logger LOG = Logger.getLogger(Warmup.class.getName());

  private Warmup() {}

  /** Entries of the layer whose TOC is parsed to get the TOC path compiled. */
  static final int TOC_WARMUP_ENTRIES = 2000;
  private static final int TOC_WARMUP_PARSES = 2;

  static void run(Path tmpDir) {
    long t0 = System.nanoTime();
    try {
      byte[] tar = tinyTar();
      byte[] manyEntries = manyEntriesTar();
      for (LayerConversion.Format f : LayerConversion.Format.values()) {
        Path blob = Files.createTempFile(tmpDir, "warmup-", ".blob");
        try {
          LayerConversion.builder(f).build().convert(new ByteArrayInputStream(tar), "warmup", blob);
          try (FileRangeSource src = FileRangeSource.open(blob);
              LayerReader r = LayerReader.open(src, LayerFormats.options().build())) {
            for (LayerEntry e : r.index().entries()) {
              if (e.isRegular()) {
                try (InputStream in = r.openFile(e)) {
                  in.readAllBytes();
                }
              }
            }
            LayerTree.build(r.index(), new InodeNumbers(1), "warmup");
            Digest d = Digest.of(tar);
            LayerInfoJson.underBlobDigest(d, tar.length, d, tar.length, 2, d);
          }
          LayerConversion.builder(f).build()
              .convert(new ByteArrayInputStream(manyEntries), "warmup", blob);
          for (int i = 0; i < TOC_WARMUP_PARSES; i++) {
            try (FileRangeSource src = FileRangeSource.open(blob);
                LayerReader r = LayerReader.open(src, LayerFormats.options().build())) {
              LayerTree.build(r.index(), new InodeNumbers(1), "warmup");
            }
          }
        } finally {
          Files.deleteIfExists(blob);
        }
      }
      LOG.fine(() -> "warmed up in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    } catch (IOException | RuntimeException e) {
      LOG.fine(() -> "warm-up skipped: " + e);
    }
  }

  /**
   * A tar shaped like a language runtime's layer: directories, {@value #TOC_WARMUP_ENTRIES}
   * entries in all, small files with long names, some symlinks.
   */
  private static byte[] manyEntriesTar() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
      t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      int dirs = 40;
      for (int d = 0; d < dirs; d++) {
        t.putArchiveEntry(new TarArchiveEntry("usr/lib/warmup/package" + d + "/__pycache__/"));
        t.closeArchiveEntry();
      }
      for (int i = 0; i < TOC_WARMUP_ENTRIES - dirs; i++) {
        String dir = "usr/lib/warmup/package" + (i % dirs) + "/__pycache__/";
        if (i % 10 == 9) {
          TarArchiveEntry link = new TarArchiveEntry(dir + "link" + i, TarArchiveEntry.LF_SYMLINK);
          link.setLinkName("module" + (i - 1) + ".cpython-311.pyc");
          t.putArchiveEntry(link);
          t.closeArchiveEntry();
          continue;
        }
        byte[] data = ("module " + i + "\n").getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry e = new TarArchiveEntry(dir + "module" + i + ".cpython-311.pyc");
        e.setSize(data.length);
        t.putArchiveEntry(e);
        t.write(data);
        t.closeArchiveEntry();
      }
    }
    return out.toByteArray();
  }

  static byte[] tinyTar() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
      for (String name : List.of("etc/", "etc/hostname", "etc/motd", "bin/", "bin/tool")) {
        TarArchiveEntry e = new TarArchiveEntry(name);
        byte[] data = name.endsWith("/") ? new byte[0]
            : ("warm-up " + name + "\n").repeat(name.equals("bin/tool") ? 4000 : 1)
                .getBytes(StandardCharsets.UTF_8);
        e.setSize(data.length);
        t.putArchiveEntry(e);
        t.write(data);
        t.closeArchiveEntry();
      }
      TarArchiveEntry link = new TarArchiveEntry("bin/link", TarArchiveEntry.LF_SYMLINK);
      link.setLinkName("tool");
      t.putArchiveEntry(link);
      t.closeArchiveEntry();
    }
    return out.toByteArray();
  }

  /**
   * The warm-up image: the tiny layer as eStargz (in {@code tmpDir}), for
   * {@link WarmupImageSource}; its container would run {@code /bin/tool}.
   */
  static WarmupImageSource source(ImageSource delegate, Path tmpDir) throws IOException {
    byte[] tar = tinyTar();
    Path blob = tmpDir.resolve("warmup-image.blob");
    LayerWriteResult r = LayerConversion.builder(LayerConversion.Format.ESTARGZ).build()
        .convert(new ByteArrayInputStream(tar), "warmup", blob);
    // the converter honours the umask (it writes users' files); in the store, files are 0600
    Files.setPosixFilePermissions(blob, PrivateFiles.FILE_MODE);
    String config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":"
        + "{\"Entrypoint\":[\"/bin/tool\"]},\"rootfs\":{\"type\":\"layers\","
        + "\"diff_ids\":[\"" + r.diffId() + "\"]}}";
    byte[] cfg = config.getBytes(StandardCharsets.UTF_8);
    String manifest = "{\"schemaVersion\":2,\"mediaType\":"
        + "\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":"
        + "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + Digest.of(cfg)
        + "\",\"size\":" + cfg.length + "},\"layers\":[]}";
    byte[] man = manifest.getBytes(StandardCharsets.UTF_8);
    ResolvedImage image = new ResolvedImage(WarmupImageSource.REFERENCE, Digest.of(man), man,
        Digest.of(cfg), cfg, List.of(r.toDescriptor()), List.of(r.diffId()));
    return new WarmupImageSource(delegate, image, blob);
  }

  /**
   * Looks up, lists and reads the warm-up image through the mounted file system the way podman
   * and a container do (lookup, info, use, readdir, stat, readlink, read, release), so the
   * first real container does not pay for the JIT. Best effort: failures are only logged.
   */
  static void throughMount(Path mountPoint, WarmupImageSource source) {
    long t0 = System.nanoTime();
    try {
      ResolvedImage image = source.resolve(WarmupImageSource.REFERENCE);
      Path layer = mountPoint.resolve(ImageDirectoryName.encode(WarmupImageSource.REFERENCE))
          .resolve(image.layers().get(0).digest().toString());
      for (int round = 0; round < 3; round++) {
        Files.readAllBytes(layer.resolve("info"));
        try {
          Files.createFile(layer.resolve("use"));
        } catch (IOException expected) {
          // the protocol answers ENOENT once the reference is taken
        }
        try (var walk = Files.walk(layer.resolve("diff"))) {
          for (Path p : (Iterable<Path>) walk::iterator) {
            if (Files.isSymbolicLink(p)) {
              Files.readSymbolicLink(p);
            } else if (Files.isRegularFile(p)) {
              Files.readAllBytes(p);
            }
          }
        }
        try {
          Files.delete(layer);
        } catch (IOException expected) {
          // released: the protocol answers ENOENT
        }
      }
      LOG.fine(() -> "warmed up through the mount in " + (System.nanoTime() - t0) / 1_000_000
          + " ms");
    } catch (IOException | RuntimeException e) {
      LOG.fine(() -> "warm-up through the mount skipped: " + e);
    }
  }
}
