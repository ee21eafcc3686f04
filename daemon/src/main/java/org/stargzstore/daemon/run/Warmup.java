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
import org.stargzstore.estargz.Digest;
import org.stargzstore.estargz.io.FileRangeSource;
import org.stargzstore.estargz.layer.LayerEntry;
import org.stargzstore.estargz.layer.LayerReader;
import org.stargzstore.fs.als.LayerInfoJson;
import org.stargzstore.fs.tree.InodeNumbers;
import org.stargzstore.fs.tree.LayerTree;
import org.stargzstore.zstdchunked.LayerFormats;
import org.stargzstore.zstdchunked.writer.LayerConversion;

/**
 * Runs the first-lookup code paths once, on a tiny layer of each format, right after start: in a
 * fresh JVM the first TOC parse, index, tree and info file cost a few hundred milliseconds of
 * class loading, which would otherwise land on podman's first pull.
 */
final class Warmup {
  private static final Logger LOG = Logger.getLogger(Warmup.class.getName());

  private Warmup() {}

  static void run(Path tmpDir) {
    long t0 = System.nanoTime();
    try {
      byte[] tar = tinyTar();
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
            LayerInfoJson.of(d, tar.length, d, tar.length, 2, d);
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

  private static byte[] tinyTar() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
      for (String name : List.of("etc/", "etc/hostname", "etc/motd")) {
        TarArchiveEntry e = new TarArchiveEntry(name);
        byte[] data = name.endsWith("/") ? new byte[0]
            : ("warm-up " + name + "\n").getBytes(StandardCharsets.UTF_8);
        e.setSize(data.length);
        t.putArchiveEntry(e);
        t.write(data);
        t.closeArchiveEntry();
      }
    }
    return out.toByteArray();
  }
}
