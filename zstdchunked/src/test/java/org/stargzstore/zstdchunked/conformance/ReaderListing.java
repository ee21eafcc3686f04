package org.stargzstore.zstdchunked.conformance;

import java.io.IOException;
import java.io.InputStream;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.stargzstore.estargz.layer.LayerEntry;
import org.stargzstore.estargz.layer.LayerReader;
import org.stargzstore.testkit.EntryFacts;
import org.stargzstore.testkit.TarListing;

/** Our reader's view of a layer as {@link EntryFacts}, file bytes read lazily and verified. */
final class ReaderListing {
  private ReaderListing() {}

  static Map<String, EntryFacts> list(LayerReader reader) throws IOException {
    Map<String, EntryFacts> out = new LinkedHashMap<>();
    for (LayerEntry e : reader.index().entries()) {
      if (e.name().isEmpty()) {
        continue;
      }
      String digest = "";
      if (e.isRegular()) {
        try (InputStream in = reader.openFile(e)) {
          digest = TarListing.sha256(in);
        }
      }
      out.put(e.name(), facts(e, digest));
    }
    return out;
  }

  static EntryFacts facts(LayerEntry e, String digest) {
    Map<String, String> x = new TreeMap<>();
    for (String k : e.xattrNames()) {
      x.put(k, Base64.getEncoder().encodeToString(e.xattr(k)));
    }
    return new EntryFacts(e.name(), e.type().jsonName(), e.mode(), e.uid(), e.gid(), e.size(),
        e.modTime().getEpochSecond(), e.linkName(), e.devMajor(), e.devMinor(), x, digest,
        e.userName(), e.groupName());
  }
}
