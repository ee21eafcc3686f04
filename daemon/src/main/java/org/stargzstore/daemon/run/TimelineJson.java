package org.stargzstore.daemon.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.stargzstore.fs.fetch.StartTimeline;

/**
 * A {@link StartTimeline} as the {@code timeline} object of {@code status --json}: milestones
 * and request phases in epoch milliseconds, so the cold-start bench can line them up with the
 * times it took around podman (docs/operations.md, "Where a start's time went").
 */
final class TimelineJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TimelineJson() {}

  static ObjectNode of(StartTimeline t) {
    ObjectNode out = JSON.createObjectNode();
    t.milestones().forEach((m, at) -> out.put(m.label(), at));
    var phases = t.phases();
    if (!phases.isEmpty()) {
      ObjectNode p = out.putObject("phases");
      phases.forEach((r, ph) -> {
        ObjectNode o = p.putObject(r.label());
        o.put("firstStart", ph.firstStartMillis());
        o.put("lastEnd", ph.lastEndMillis());
        o.put("requests", ph.requests());
      });
    }
    var waits = t.longestWaits();
    if (!waits.isEmpty()) {
      ArrayNode w = out.putArray("longestWaits");
      for (StartTimeline.Wait x : waits) {
        ObjectNode o = w.addObject();
        o.put("path", x.path());
        o.put("start", x.startMillis());
        o.put("millis", x.millis());
        o.put("bytes", x.bytes());
        o.put("waitedFor", x.waitedFor());
      }
    }
    return out;
  }
}
