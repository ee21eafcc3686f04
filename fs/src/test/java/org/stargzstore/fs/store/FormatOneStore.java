package org.stargzstore.fs.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.stargzstore.types.Digest;

/**
 * Writes a store as format 1 of this daemon did (no VERSION file, every blob flat in
 * {@code blobs/sha256/}, layer records and reference files in {@code meta/layers/}): the input of
 * the migration tests.
 */
final class FormatOneStore {
  private FormatOneStore() {}

  /** Creates {@code n} random blobs (and one reference file); returns the blobs' digests. */
  static List<Digest> write(Path root, int n, long seed) throws IOException {
    Path blobs = root.resolve("blobs/sha256");
    Files.createDirectories(blobs);
    Files.createDirectories(root.resolve("meta/layers"));
    Random r = new Random(seed);
    List<Digest> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] b = new byte[1 + r.nextInt(20_000)];
      r.nextBytes(b);
      Digest d = Digest.of(b);
      Files.write(blobs.resolve(d.hex()), b);
      out.add(d);
    }
    Files.writeString(root.resolve("meta/layers/" + out.get(0).hex() + ".refs.json"),
        "{\"layer\":\"" + out.get(0) + "\",\"refs\":{\"docker.io/library/a:1\":2}}",
        StandardCharsets.UTF_8);
    return out;
  }
}
