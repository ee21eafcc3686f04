package org.stargzstore.daemon.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.stargzstore.fs.gc.GcResult;
import org.stargzstore.fs.gc.StoreUsage;
import org.stargzstore.fs.gc.StoreVerifier;

/** The JSON form of the store reports, the same from the daemon and from offline commands. */
public final class StoreReports {
  private static final ObjectMapper JSON = new ObjectMapper();

  private StoreReports() {}

  public static ObjectNode gc(GcResult r) {
    ObjectNode n = JSON.createObjectNode();
    n.put("ok", true);
    n.put("blobsBefore", r.blobsBefore());
    n.put("bytesBefore", r.bytesBefore());
    n.put("liveBlobs", r.liveBlobs());
    n.put("liveBytes", r.liveBytes());
    n.put("deletedBlobs", r.deletedBlobs());
    n.put("deletedBytes", r.deletedBytes());
    n.put("bytesAfter", r.bytesAfter());
    n.put("overBudget", r.overBudget());
    n.put("forgottenLayers", r.forgottenLayers());
    n.put("forgottenImages", r.forgottenImages());
    return n;
  }

  public static ObjectNode usage(StoreUsage.Report r) {
    ObjectNode n = JSON.createObjectNode();
    n.put("ok", true);
    n.put("totalBytes", r.totalBytes());
    n.put("totalBlobs", r.totalBlobs());
    n.put("layerBytesSum", r.layerBytesSum());
    n.put("layerUnionBytes", r.layerUnionBytes());
    n.put("dedupRatio", r.dedupRatio());
    ArrayNode imgs = n.putArray("images");
    for (StoreUsage.ImageUsage i : r.images()) {
      imgs.addObject().put("reference", i.reference()).put("layers", i.layers())
          .put("storedBytes", i.storedBytes()).put("uniqueBytes", i.uniqueBytes());
    }
    ArrayNode ls = n.putArray("layers");
    for (StoreUsage.LayerUsage l : r.layers()) {
      ls.addObject().put("digest", l.layer().toString()).put("format", l.format())
          .put("storedBytes", l.storedBytes()).put("sharedBytes", l.sharedBytes())
          .put("blobs", l.blobs());
    }
    return n;
  }

  public static ObjectNode verify(StoreVerifier.Result r) {
    ObjectNode n = JSON.createObjectNode();
    n.put("ok", true);
    n.put("blobs", r.blobs());
    n.put("bytes", r.bytes());
    ArrayNode removed = n.putArray("removed");
    r.removed().forEach(d -> removed.add(d.toString()));
    return n;
  }
}
